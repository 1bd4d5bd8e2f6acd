import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'
import { serverTimingHeader } from '../timing.ts'

/** Server-Timing on every response, from what the steps recorded (src/timing.ts). */
export const serverTiming = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const started = performance.now()
    const timings = {}
    c.set('timings', timings)
    await next()
    c.res.headers.set('Server-Timing', serverTimingHeader(timings, performance.now() - started))
  })
