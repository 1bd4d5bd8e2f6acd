import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../http/context.ts'
import { perEnv } from '../lib/vars.ts'

const ALLOW_HEADERS = 'X-Bkapi-Authorization, Content-Type, X-Request-ID, traceparent, Idempotency-Key'
const EXPOSE_HEADERS = [
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
].join(', ')

/** CORS_ORIGINS as a set. */
const allowedOrigins = perEnv((env) => new Set((env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean)))

/**
 * Lets browser front-ends call from the origins listed in CORS_ORIGINS (comma-separated, or `*`). A
 * preflight is always answered 204, as by any CORS-aware server, with the allow headers only for an
 * allowed origin; with none listed, browsers refuse every cross-origin call.
 */
export const cors = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const origin = c.req.header('Origin')
    const origins = origin ? allowedOrigins(c.env) : undefined
    const allowed = origin !== undefined && (origins?.has('*') || origins?.has(origin)) === true
    const corsHeaders: Record<string, string> = allowed
      ? { 'Access-Control-Allow-Origin': origin, 'Timing-Allow-Origin': origin, Vary: 'Origin' }
      : {}

    if (c.req.method === 'OPTIONS' && origin && c.req.header('Access-Control-Request-Method')) {
      const preflight = allowed
        ? { ...corsHeaders, 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': ALLOW_HEADERS, 'Access-Control-Max-Age': '600' }
        : {}
      return new Response(null, { status: 204, headers: preflight })
    }
    await next()
    if (!allowed) return
    for (const [name, value] of Object.entries(corsHeaders)) c.res.headers.set(name, value)
    c.res.headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS)
  })
