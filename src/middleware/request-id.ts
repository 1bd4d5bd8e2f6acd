import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'

/** A caller's X-Request-ID is kept only when it is short and of characters safe in any log or header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * X-Bkapi-Request-ID (a new UUID v4, never the caller's) and X-Request-ID (the caller's when safe, else
 * the UUID without dashes), on the way in for the origin and on every response.
 */
export const requestId = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const id = crypto.randomUUID()
    const given = c.req.header('X-Request-ID')
    const xRequestId = given && SAFE_REQUEST_ID.test(given) ? given : id.replaceAll('-', '')
    c.set('requestId', id)
    c.set('xRequestId', xRequestId)
    await next()
    c.res.headers.set('X-Bkapi-Request-ID', id)
    c.res.headers.set('X-Request-ID', xRequestId)
  })
