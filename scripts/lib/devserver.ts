/**
 * The `npm run dev` serving a state directory. One runtime must own a state's Durable Objects: a second
 * one opened on the same files (as the admin CLI once did) schedules the alarms it sets in its own
 * process, so a `sleep_timer` started there never fired on the server. So `npm run dev` records itself
 * in the state while it serves, and gives wrangler a dev registry of that state's own; the CLI then
 * reaches the server's Worker through that registry (Miniflare proxies a service binding to it) instead
 * of opening the state itself.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import * as z from 'zod'
import { ENGINE_BINDING, workerConfig } from './config.ts'
import { UserError } from './errors.ts'
import { bindingsOnly } from './miniflare.ts'
import type { LocalState } from './state.ts'
import type { EngineBinding } from './tasks.ts'

const devServerSchema = z.object({ pid: z.int().positive(), url: z.string() })
export type DevServer = z.infer<typeof devServerSchema>

/** How long the CLI waits for a server that is still starting to register its Worker. */
const REGISTRATION_WAIT_MS = 60_000

/** The environment that makes wrangler (and its Miniflare) use the state's own dev registry. */
export const devRegistryEnv = (state: LocalState) => ({
  WRANGLER_REGISTRY_PATH: state.devRegistryPath,
  CLOUDFLARE_DEV_REGISTRY_PATH: state.devRegistryPath,
})

/**
 * Records this process as the state's server until it exits. The caller has checked that no other is
 * alive, so a registry entry left by a server that was killed goes: wrangler would otherwise wait for it
 * to go stale, and the CLI would try to reach it.
 */
export function claimState(state: LocalState, url: string): void {
  rmSync(state.devRegistryPath, { recursive: true, force: true })
  mkdirSync(dirname(state.devServerPath), { recursive: true })
  writeFileSync(state.devServerPath, JSON.stringify({ pid: process.pid, url } satisfies DevServer))
  process.on('exit', () => {
    if (runningDevServer(state)?.pid === process.pid) rmSync(state.devServerPath, { force: true })
  })
}

/** The server recorded in the state, if its process is still alive. */
export function runningDevServer(state: LocalState): DevServer | undefined {
  if (!existsSync(state.devServerPath)) return undefined
  let server: DevServer
  try {
    server = devServerSchema.parse(JSON.parse(readFileSync(state.devServerPath, 'utf8')))
  } catch {
    return undefined
  }
  return isAlive(server.pid) ? server : undefined
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The server's engine Worker, bound as the gateway binds it. */
export async function serverEngine(state: LocalState, server: DevServer): Promise<{ engine: EngineBinding; close(): Promise<void> }> {
  const { engineName } = workerConfig()
  await registration(state, server, engineName)
  // Miniflare lets this variable win over its option; a registry the developer set elsewhere must not.
  process.env.CLOUDFLARE_DEV_REGISTRY_PATH = state.devRegistryPath
  const mf = await bindingsOnly({
    serviceBindings: { [ENGINE_BINDING]: engineName },
    unsafeDevRegistryPath: state.devRegistryPath,
  })
  const bindings = await mf.getBindings()
  return { engine: bindings[ENGINE_BINDING] as EngineBinding, close: () => mf.dispose() }
}

/** Waits until the server's Worker is in the registry: `npm run dev` records itself before wrangler is ready. */
async function registration(state: LocalState, server: DevServer, worker: string): Promise<void> {
  const entry = join(state.devRegistryPath, worker)
  const deadline = Date.now() + REGISTRATION_WAIT_MS
  while (!existsSync(entry)) {
    if (!isAlive(server.pid)) throw new UserError(`npm run dev (pid ${server.pid}) stopped before it served`)
    if (Date.now() > deadline) {
      throw new UserError(`npm run dev (pid ${server.pid}, ${server.url}) has not registered its Worker in ${state.devRegistryPath} after ${REGISTRATION_WAIT_MS / 1000} s`)
    }
    await sleep(250)
  }
}
