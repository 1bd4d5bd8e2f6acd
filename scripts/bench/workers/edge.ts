/**
 * One "edge" isolate of the multi-isolate exactness check of `npm run bench:ratelimit`: the gateway's
 * limiter client (leases, deny-cache) against the shared RateLimiter object, one key, and nothing
 * else. Several copies run as separate Worker scripts, hence separate isolates, each with its own
 * memory. An admitted request's 200 carries `X-Admitted-At`: when it was admitted, by the isolate's
 * clock for a lease, by the object's for an object call (workerd's clock, shared by both), and
 * `X-Tier`: which tier admitted it.
 */
import { admit } from '../../../src/ratelimit/client.ts'
import type { LimiterNamespace } from '../../../src/ratelimit/client.ts'
import { perEnv } from '../../../src/lib/vars.ts'

interface EdgeEnv extends Env {
  /** The limit under test, e.g. `300/1`. */
  EDGE_LIMIT: string
}

/** Parsed once per env, as the gateway's config is: the same array each request, which a lease matches by identity. */
const edgeWindows = perEnv((env) => {
  const [tokens = 0, period = 0] = (env as EdgeEnv).EDGE_LIMIT.split('/').map(Number)
  return [{ tokens, period }]
})

export default {
  async fetch(_request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    let objectDecidedAt = NaN
    // The request's own call reports when the object decided; background calls go through unseen.
    const namespace: LimiterNamespace = {
      getByName: (name) => {
        const stub = env.RATE_LIMITER.getByName(name)
        return {
          acquire: async (request) => {
            const answer = await stub.acquire(request)
            if (request.admit && 'at' in answer) objectDecidedAt = answer.at
            return answer
          },
        }
      },
    }
    const verdict = await admit({ app: 'bench-edge', resource: 'operate_node' }, edgeWindows(env), {
      namespace,
      timeoutMs: 5000,
      leaseMs: 500,
      waitUntil: (promise) => ctx.waitUntil(promise),
    })
    if (!verdict.decision.allowed) return new Response(null, { status: 429 })
    const admittedAt = verdict.tier === 'object' ? objectDecidedAt : Date.now()
    return new Response(null, { status: 200, headers: { 'X-Admitted-At': String(admittedAt), 'X-Tier': verdict.tier } })
  },
}
