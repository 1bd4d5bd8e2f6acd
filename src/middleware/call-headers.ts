import { createMiddleware } from 'hono/factory'
import type { Gateway } from './context.ts'
import type { Timings } from '../observability/timing.ts'
import { serverTimingHeader } from '../observability/timing.ts'

/** A caller's X-Request-ID is kept only when it is short and of characters safe in any log or header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The headers every response carries: X-Bkapi-Request-ID (a new UUID v4, never the caller's) and
 * X-Request-ID (the caller's when safe, else the UUID without dashes), made on the way in so the origin
 * gets them too; and Server-Timing, from what the steps recorded (src/observability/timing.ts).
 */
export const callHeaders = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const started = performance.now()
    const id = crypto.randomUUID()
    const given = c.req.header('X-Request-ID')
    const xRequestId = given !== undefined && SAFE_REQUEST_ID.test(given) ? given : id.replaceAll('-', '')
    const timings: Timings = {}
    c.set('requestId', id)
    c.set('xRequestId', xRequestId)
    c.set('timings', timings)
    await next()
    const headers = c.res.headers
    headers.set('X-Bkapi-Request-ID', id)
    headers.set('X-Request-ID', xRequestId)
    headers.set('Server-Timing', serverTimingHeader(timings, performance.now() - started))
  })
