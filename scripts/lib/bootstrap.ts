/** What `npm run dev` prepares before serving; idempotent, so every start can run it. */
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import { seedDemo } from './demo.ts'
import { ensureDevVars } from './devvars.ts'
import { openLocalKv } from './kv.ts'
import type { LocalState } from './state.ts'

export interface BootstrapReport {
  /** The old `.dev.vars` beside wrangler.toml, moved to the state's own file. */
  moved?: string
  /** Variables added to .dev.vars. */
  devVars: string[]
  /** Demo records created or repaired. */
  demo: string[]
}

export async function bootstrap(state: LocalState): Promise<BootstrapReport> {
  const moved = moveLegacyDevVars(state)
  const { secrets, added } = ensureDevVars(state.devVarsPath)
  const kv = await openLocalKv(state.persistPath)
  try {
    return { ...(moved && { moved }), devVars: added, demo: await seedDemo(kv, secrets.CREDENTIAL_PEPPER) }
  } finally {
    await kv.close()
  }
}

/** An earlier `npm run dev` wrote the secrets where the test pool reads them (see ./state.ts). */
function moveLegacyDevVars(state: LocalState): string | undefined {
  if (!existsSync(state.legacyDevVarsPath) || existsSync(state.devVarsPath)) return undefined
  mkdirSync(dirname(state.devVarsPath), { recursive: true })
  renameSync(state.legacyDevVarsPath, state.devVarsPath)
  return state.legacyDevVarsPath
}
