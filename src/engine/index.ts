/**
 * The reference SOPS task engine, served behind the gateway's ENGINE binding (the named entrypoint
 * `Engine` of this Worker) or on its own (./worker.ts). It imports nothing from the gateway.
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import { handleEngineRequest } from './api.ts'
import type { EngineEnv } from './env.ts'
import { resetDemoTasks, seedOnce } from './seed.ts'

export { EngineRegistry } from './registry.ts'
export { EngineTask } from './task.ts'

/** SOPS's API for any path prefix ending in `/apigw/…`, after the demo seed when it is enabled. */
export async function serveEngine(request: Request, env: EngineEnv): Promise<Response> {
  await seedOnce(env)
  return handleEngineRequest(request, env)
}

export class Engine extends WorkerEntrypoint<EngineEnv> {
  override fetch(request: Request): Promise<Response> {
    return serveEngine(request, this.env)
  }

  /** RPC for the admin CLI's `demo reset`: false, and nothing done, where the demo is not seeded (ENGINE_DEMO_SEED). */
  async resetDemo(): Promise<boolean> {
    if (this.env.ENGINE_DEMO_SEED !== 'true') return false
    await resetDemoTasks(this.env)
    return true
  }
}
