/**
 * Pipeline step: rate limit per (app, resource) with Durable Objects (CONTRACT §5). Runs after the app
 * is verified and the request validated, so only well-formed, permitted calls spend quota.
 */
import type { MiddlewareHandler } from 'hono'
import type { Gateway, GatewayContext } from '../context.ts'
import { GatewayError } from '../errors.ts'
import { admit, LimiterUnavailable } from '../ratelimit/client.ts'
import type { Verdict } from '../ratelimit/client.ts'
import { limiterConfig } from '../ratelimit/config.ts'
import { rateLimitHeaders, serverTiming } from '../ratelimit/headers.ts'

export function rateLimit(): MiddlewareHandler<Gateway> {
  return async (c, next) => {
    const config = limiterConfig(c.env)
    if (!config.enabled) return next()

    const started = performance.now()
    const elapsed = () => performance.now() - started
    const windows = c.get('app').rate_limits ?? config.defaultWindows
    let verdict: Verdict
    try {
      const outcome = admit({ app: c.get('app').bk_app_code, resource: c.get('resource') }, windows, {
        namespace: c.env.RATE_LIMITER,
        timeoutMs: config.timeoutMs,
        leaseMs: config.leaseMs,
        waitUntil: (promise) => waitUntil(c, promise),
      })
      // A lease answers from memory, without a promise to wait for.
      verdict = outcome instanceof Promise ? await outcome : outcome
    } catch (error) {
      if (!(error instanceof LimiterUnavailable)) throw error
      console.error(`rate limiter unavailable (fail-${config.failMode}): ${error.message}`)
      if (config.failMode === 'closed') {
        throw new GatewayError(
          'INTERNAL_SERVER_ERROR',
          { reason: 'rate limiter unavailable' },
          { headers: { 'Server-Timing': serverTiming('fail-closed', elapsed()) } },
        )
      }
      // As BlueKing's allow_degradation: the request passes without quota headers.
      await next()
      c.header('Server-Timing', serverTiming('fail-open', elapsed()), { append: true })
      return
    }

    const headers = { ...rateLimitHeaders(verdict.decision, windows), 'Server-Timing': serverTiming(verdict.tier, elapsed()) }
    if (!verdict.decision.allowed) throw new GatewayError('RATE_LIMIT_RESTRICTION', {}, { headers })
    await next()
    for (const [name, value] of Object.entries(headers)) c.header(name, value, { append: name === 'Server-Timing' })
  }
}

/** Background work of the limiter; `app.request()` in tests has no execution context, and then it just runs. */
function waitUntil(c: GatewayContext, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise)
  } catch {
    void promise
  }
}
