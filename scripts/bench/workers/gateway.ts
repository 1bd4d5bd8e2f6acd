/**
 * The gateway as deployed (src/index.ts), with its RATE_LIMITER binding wrapped to count the calls
 * that reach a limiter object: `GET /__bench/limiter-calls` answers the count. Only the benchmarks
 * load this entry; production code has no counter.
 */
import app from '../../../src/http/app.ts'
import { perEnv } from '../../../src/lib/vars.ts'

export { CredentialFeed, IdempotencyKeys, RateLimiter, TaskPoller } from '../../../src/index.ts'

let calls = 0
/** One wrapped env per env object, so the gateway's per-env caches (its parsed config) keep working. */
const counted = perEnv((env): Env => {
  const namespace = env.RATE_LIMITER
  const RATE_LIMITER = {
    getByName: (name: string) => {
      const stub = namespace.getByName(name)
      return { acquire: (request: Parameters<typeof stub.acquire>[0]) => (calls++, stub.acquire(request)) }
    },
  } as unknown as Env['RATE_LIMITER']
  return { ...env, RATE_LIMITER }
})

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    if (request.url.endsWith('/__bench/limiter-calls')) return Response.json({ calls })
    return app.fetch(request, counted(env), ctx)
  },
}
