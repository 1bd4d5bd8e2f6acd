/**
 * The local reference engine, reached the way the gateway reaches it (its ENGINE binding): through the
 * `npm run dev` serving the state when one does, so the server's runtime alone runs the tasks and their
 * timers; else run here on the state, which then belongs to this process until it closes.
 */
import { workerConfig } from './config.ts'
import { ensureDevVars } from './devvars.ts'
import { runningDevServer, serverEngine } from './devserver.ts'
import type { LocalState } from './state.ts'
import { engineClient } from './tasks.ts'
import type { EngineBinding, EngineClient } from './tasks.ts'
import { ENGINE_CONFIG } from './state.ts'
import { bundleWorker, startLocalEngine } from './worker.ts'

export async function withEngine<T>(state: LocalState, use: (engine: EngineClient) => Promise<T>): Promise<T> {
  const { secrets } = ensureDevVars(state.devVarsPath)
  const server = runningDevServer(state)
  const { engine, close } = server ? await serverEngine(state, server) : await localEngine(state)
  try {
    return await use(engineClient(engine, secrets.JWT_PRIVATE_KEY, workerConfig().gatewayName))
  } finally {
    await close()
  }
}

async function localEngine(state: LocalState): Promise<{ engine: EngineBinding; close(): Promise<void> }> {
  const bundle = await bundleWorker(ENGINE_CONFIG)
  const engine = await startLocalEngine(state, bundle).catch(async (err: unknown) => {
    await bundle.dispose()
    throw err
  })
  const close = async () => {
    await engine.close()
    await bundle.dispose()
  }
  return { engine: engine.binding as EngineBinding, close }
}
