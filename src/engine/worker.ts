/** The engine deployed on its own (./wrangler.toml): the same handler as the `Engine` entrypoint. */
import type { EngineEnv } from './env.ts'
import { serveEngine } from './index.ts'

export { Engine, EngineRegistry, EngineTask } from './index.ts'

export default {
  fetch: (request, env) => serveEngine(request, env),
} satisfies ExportedHandler<EngineEnv>
