/**
 * Pipeline step: rate limit per (app, resource) with Durable Objects (CONTRACT §5). Runs after the app
 * is verified and the request validated, so only well-formed, permitted calls spend quota. Most calls
 * are answered by the isolate's lease on the key's quota, from memory, with nothing to await.
 */
import type { MiddlewareHandler } from 'hono'
import { background } from '../lib/background.ts'
import type { Gateway } from './context.ts'
import { GatewayError } from '../lib/errors.ts'
import { LimiterUnavailable, admit } from '../ratelimit/client.ts'
import type { Clock, Verdict } from '../ratelimit/client.ts'
import { limiterConfig } from '../ratelimit/config.ts'
import { rateLimitHeaders } from '../ratelimit/headers.ts'

/** `clock`: a test's, as the limiter client takes one; the gateway runs on the isolate's own. */
export function rateLimit({ clock }: { clock?: Clock } = {}): MiddlewareHandler<Gateway> {
  return async (c, next) => {
    const timings = c.get('timings')
    const config = limiterConfig(c.env)
    if (!config.enabled) {
      timings.ratelimit = { desc: 'off', dur: 0 }
      return next()
    }

    const started = performance.now()
    const windows = c.get('app').rate_limits ?? config.defaultWindows
    let verdict: Verdict
    try {
      const outcome = admit({ app: c.get('app').bk_app_code, resource: c.get('resource') }, windows, {
        namespace: c.env.RATE_LIMITER,
        timeoutMs: config.timeoutMs,
        leaseMs: config.leaseMs,
        waitUntil: background(c),
        clock,
      })
      verdict = outcome instanceof Promise ? await outcome : outcome
    } catch (error) {
      if (!(error instanceof LimiterUnavailable)) throw error
      timings.ratelimit = { desc: `fail-${config.failMode}`, dur: performance.now() - started }
      const detail = `rate limiter unavailable: ${error.message}`
      if (config.failMode === 'closed') throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'rate limiter unavailable' }, { logDetail: detail })
      // As BlueKing's allow_degradation: the request passes, without quota headers.
      c.set('logDetail', detail)
      return next()
    }
    timings.ratelimit = { desc: verdict.tier, dur: performance.now() - started }

    const headers = rateLimitHeaders(verdict.decision, windows)
    if (!verdict.decision.allowed) throw new GatewayError('RATE_LIMIT_RESTRICTION', {}, { headers })
    await next()
    for (const name in headers) c.res.headers.set(name, headers[name] as string)
  }
}
