import { cors as honoCors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'

const EXPOSED = [
  'X-Bkapi-Request-ID',
  'X-Request-ID',
  'X-Bkapi-Error-Code',
  'X-Bkapi-Error-Message',
  'X-Bkapi-RateLimit-Limit',
  'X-Bkapi-RateLimit-Remaining',
  'X-Bkapi-RateLimit-Reset',
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
]

/**
 * Lets browser front-ends (the typed client) call from the origins listed in CORS_ORIGINS
 * (comma-separated, or `*`); with none listed, no CORS header is sent and browsers refuse.
 */
export const cors = () => {
  const middleware = honoCors({
    origin: (origin, c) => {
      const allowed = (c.env as Gateway['Bindings']).CORS_ORIGINS?.split(',').map((o) => o.trim()) ?? []
      return allowed.includes('*') || allowed.includes(origin) ? origin : null
    },
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['X-Bkapi-Authorization', 'Content-Type', 'X-Request-ID', 'traceparent'],
    exposeHeaders: EXPOSED,
    maxAge: 600,
  })
  return createMiddleware<Gateway>((c, next) => (c.env.CORS_ORIGINS ? middleware(c, next) : next()))
}
