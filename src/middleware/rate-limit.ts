/**
 * Pipeline step: rate limit per (app, resource) with Durable Objects (CONTRACT §5). Runs after the app
 * is verified and the request validated, so only well-formed, permitted calls spend quota.
 */
import type { MiddlewareHandler } from 'hono'
import type { Gateway } from '../context.ts'
import { GatewayError } from '../errors.ts'
import { LimiterUnavailable, consult } from '../ratelimit/client.ts'
import type { Verdict } from '../ratelimit/client.ts'
import { limiterConfig } from '../ratelimit/config.ts'
import { rateLimitHeaders } from '../ratelimit/headers.ts'
import type { RateLimitTier } from '../timing.ts'

const TIERS: Record<Verdict['tier'], RateLimitTier> = { do: 'object', 'isolate-cache': 'deny-cache' }

export function rateLimit(): MiddlewareHandler<Gateway> {
  return async (c, next) => {
    const timings = c.get('timings')
    const config = limiterConfig(c.env)
    if (!config.enabled) {
      timings.ratelimit = { desc: 'off', dur: 0 }
      return next()
    }

    const started = performance.now()
    let verdict: Verdict
    try {
      verdict = await consult(
        { app: c.get('app').bk_app_code, resource: c.get('resource') },
        c.get('app').rate_limits ?? config.defaultWindows,
        { namespace: c.env.RATE_LIMITER, timeoutMs: config.timeoutMs, shardRps: config.shardRps },
      )
    } catch (error) {
      if (!(error instanceof LimiterUnavailable)) throw error
      console.error(`rate limiter unavailable (fail-${config.failMode}): ${error.message}`)
      timings.ratelimit = { desc: `fail-${config.failMode}`, dur: performance.now() - started }
      if (config.failMode === 'closed') throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'rate limiter unavailable' })
      // As BlueKing's allow_degradation: the request passes without quota headers.
      return next()
    }
    timings.ratelimit = { desc: TIERS[verdict.tier], dur: performance.now() - started }

    const headers = rateLimitHeaders(verdict.decision)
    if (!verdict.decision.allowed) throw new GatewayError('RATE_LIMIT_RESTRICTION', {}, { headers })
    await next()
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value)
  }
}
