import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'

/**
 * X-Bkapi-Request-ID (a new UUID v4, never the caller's) and X-Request-ID (the caller's, else the
 * UUID without dashes), on the way in for the origin and on every response.
 */
export const requestId = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const id = crypto.randomUUID()
    c.set('requestId', id)
    c.set('xRequestId', c.req.header('X-Request-ID') || id.replaceAll('-', ''))
    await next()
    c.res.headers.set('X-Bkapi-Request-ID', id)
    c.res.headers.set('X-Request-ID', c.get('xRequestId'))
  })
