/**
 * The outermost step: once a call's answer is decided, its one access-log line and its one metrics data
 * point — refused calls, preflights, 404s and faults included (src/observability, docs/observability.md).
 */
import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../http/context.ts'
import { accessLine } from '../observability/access-line.ts'
import { logConfig } from '../observability/config.ts'
import { recordMetrics } from '../observability/metrics.ts'
import { prettyLine } from '../observability/pretty.ts'

export const accessLog = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const startedAt = Date.now()
    const started = performance.now()
    await next()
    try {
      const { format, sampleRate } = logConfig(c.env)
      const line = accessLine(c, { startedAt, totalMs: performance.now() - started }, sampleRate)
      line.metrics_error = recordMetrics(c.env.METRICS, line)
      if (format === 'none' || Math.random() >= line.sample_rate) return
      // An object, not a string: Workers Logs indexes each of its fields.
      console.log(format === 'pretty' ? prettyLine(line) : line)
    } catch (err) {
      // The answer is already decided: a fault here must not replace it.
      console.error('access log failed', err)
    }
  })
