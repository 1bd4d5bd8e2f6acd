/**
 * The outermost step: once a call's answer is decided, its one access-log line and its one metrics data
 * point — refused calls, preflights, 404s and faults included (src/observability, docs/observability.md).
 */
import { createMiddleware } from 'hono/factory'
import type { Gateway, GatewayContext } from './context.ts'
import type { StreamSummary } from '../live/counted-stream.ts'
import { background } from '../lib/background.ts'
import { accessLine } from './access-line.ts'
import { logConfig } from '../observability/config.ts'
import { recordMetrics } from '../observability/metrics.ts'
import { prettyLine } from '../observability/pretty.ts'

export const accessLog = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const startedAt = Date.now()
    const started = performance.now()
    await next()
    const clock = { startedAt, totalMs: performance.now() - started }
    const stream = c.get('stream')
    // A stream's one line is written when it ends, with its duration and the events it sent.
    if (stream) background(c)(stream.then((summary) => log(c, clock, summary)))
    else log(c, clock)
  })

function log(c: GatewayContext, clock: { startedAt: number; totalMs: number }, stream?: StreamSummary): void {
  try {
    const { format, sampleRate } = logConfig(c.env)
    const line = accessLine(c, clock, sampleRate, stream)
    line.metrics_error = recordMetrics(c.env.METRICS, line)
    if (format === 'none' || Math.random() >= line.sample_rate) return
    // An object, not a string: Workers Logs indexes each of its fields.
    console.log(format === 'pretty' ? prettyLine(line) : line)
  } catch (err) {
    // The answer is already decided: a fault here must not replace it.
    console.error('access log failed', err)
  }
}
