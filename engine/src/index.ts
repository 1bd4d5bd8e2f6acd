/**
 * The reference SOPS task engine, a Worker of its own (../wrangler.toml). Its default export serves
 * SOPS's API over HTTP (behind the gateway's service binding ENGINE, or on its own URL) and the demo
 * reset over RPC. It imports nothing from the gateway.
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import { handleEngineRequest } from './api.ts'
import { resetDemoTasks, seedOnce } from './seed.ts'

export { EngineRegistry } from './registry.ts'
export { EngineTask } from './task.ts'

/** SOPS's API for any path prefix ending in `/apigw/…`, after the demo seed when it is enabled. */
export async function serveEngine(request: Request, env: Env): Promise<Response> {
  await seedOnce(env)
  return handleEngineRequest(request, env)
}

export default class Engine extends WorkerEntrypoint<Env> {
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
