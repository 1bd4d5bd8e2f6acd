/** What `npm run dev` prepares before serving; idempotent, so every start can run it. */
import { seedDemo } from './demo.ts'
import { ensureDevVars } from './devvars.ts'
import { openLocalKv } from './kv.ts'
import type { LocalState } from './state.ts'

export interface BootstrapReport {
  /** Variables added to .dev.vars. */
  devVars: string[]
  /** Demo records created or repaired. */
  demo: string[]
}

export async function bootstrap(state: LocalState): Promise<BootstrapReport> {
  const { secrets, added } = ensureDevVars(state.devVarsPath)
  const kv = await openLocalKv(state.persistPath)
  try {
    return { devVars: added, demo: await seedDemo(kv, secrets.CREDENTIAL_PEPPER) }
  } finally {
    await kv.close()
  }
}
