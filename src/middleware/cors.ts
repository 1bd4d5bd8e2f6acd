import type { MiddlewareHandler } from 'hono'
import { cors as honoCors } from 'hono/cors'
import type { Gateway } from './context.ts'
import { perEnv } from '../lib/vars.ts'

/** What Hono's CORS middleware answers for an allowed origin. */
const allowedOriginCors = honoCors({
  origin: (origin) => origin,
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['X-Bkapi-Authorization', 'Authorization', 'Content-Type', 'X-Request-ID', 'traceparent', 'Idempotency-Key'],
  exposeHeaders: [
    'X-Bkapi-Request-ID',
    'X-Request-ID',
    'X-Bkapi-Error-Code',
    'X-Bkapi-Error-Message',
    'X-Bkapi-RateLimit-Limit',
    'X-Bkapi-RateLimit-Remaining',
    'X-Bkapi-RateLimit-Reset',
    'X-Bkapi-RateLimit-Plugin',
    'RateLimit',
    'RateLimit-Policy',
    'Retry-After',
    'Server-Timing',
    'Idempotent-Replayed',
    'Sops-Trace-Id',
  ],
  maxAge: 600,
})

/** CORS_ORIGINS as a set. */
const allowedOrigins = perEnv((env) => new Set((env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean)))

/** Whether CORS_ORIGINS lets this browser origin call. */
export const allowsOrigin = (env: Env, origin: string) => allowedOrigins(env).has('*') || allowedOrigins(env).has(origin)

/**
 * Lets browser front-ends call from the origins listed in CORS_ORIGINS (comma-separated, or `*`), with
 * Hono's CORS middleware. Any other origin gets no CORS header at all: its preflight a bare 204, as by
 * any CORS-aware server, so browsers refuse its calls; a call without an Origin passes untouched.
 */
export const cors = (): MiddlewareHandler<Gateway> => (c, next) => {
  const origin = c.req.header('Origin')
  if (origin !== undefined) {
    if (allowsOrigin(c.env, origin)) {
      c.header('Timing-Allow-Origin', origin) // so the page may read Server-Timing
      return allowedOriginCors(c, next)
    }
    if (c.req.method === 'OPTIONS' && c.req.header('Access-Control-Request-Method')) return Promise.resolve(c.body(null, 204))
  }
  return next()
}
