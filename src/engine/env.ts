/** Bindings of the reference engine (see wrangler.toml, and ./wrangler.toml for the engine on its own). */
import type { EngineRegistry } from './registry.ts'
import type { EngineTask } from './task.ts'

export interface EngineEnv {
  /** One SQLite-backed object per task. */
  ENGINE_TASKS: DurableObjectNamespace<EngineTask>
  /** The one registry of projects and task ids. */
  ENGINE_REGISTRY: DurableObjectNamespace<EngineRegistry>
  /** SPKI PEM of the API gateway's JWT key: every call must carry an X-Bkapi-Jwt signed by it. */
  APIGW_PUBLIC_KEY: string
  /** "true" (local development only): seed the demo tasks before serving the first request. */
  ENGINE_DEMO_SEED?: string
}

declare global {
  namespace Cloudflare {
    interface Env extends EngineEnv {}
  }
}
