/** Calls through the real app that capture its access log and metrics instead of printing them. */
import { env } from 'cloudflare:workers'
import { expect, vi } from 'vitest'
import app from '../../src/http/app.ts'
import { type AccessLine, accessLineSchema } from '../../src/observability/line.ts'
import type { DevelopmentBindings } from '../../src/origin/origin.ts'
import { type CallInit, toRequest } from './helpers.ts'

export interface Logged {
  res: Response
  /** Every access-log line the call wrote, each checked against the schema. */
  lines: AccessLine[]
  /** Every metrics data point it wrote. */
  points: AnalyticsEngineDataPoint[]
  /** Anything else printed: console.warn, console.error, or a console.log that is not an access-log line. */
  otherOutput: unknown[][]
}

/**
 * One call through the app (with the access log as in production: LOG_FORMAT json, and a METRICS
 * binding that records), capturing everything it printed.
 */
export async function logged(path: string, init: CallInit = {}, overrides: Partial<Env & DevelopmentBindings> = {}): Promise<Logged> {
  const points: AnalyticsEngineDataPoint[] = []
  const metrics: AnalyticsEngineDataset = { writeDataPoint: (point) => void points.push(point ?? {}) }
  const printed = (['log', 'warn', 'error', 'info', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation(() => {}))
  try {
    const res = await app.fetch(toRequest(path, init), { ...env, LOG_FORMAT: 'json', METRICS: metrics, ...overrides })
    await res.clone().arrayBuffer()
    const calls = printed.flatMap((spy, i) => spy.mock.calls.map((args) => ({ level: i, args })))
    const isLine = (call: { level: number; args: unknown[] }) =>
      call.level === 0 && call.args.length === 1 && (call.args[0] as { log?: unknown } | null)?.log === 'access'
    return {
      res,
      lines: calls.filter(isLine).map((call) => accessLineSchema.parse(call.args[0])),
      points,
      otherOutput: calls.filter((call) => !isLine(call)).map((call) => call.args),
    }
  } finally {
    for (const spy of printed) spy.mockRestore()
  }
}

/** The call's one access-log line: exactly one line, and nothing else printed. */
export async function oneLine(path: string, init: CallInit = {}, overrides: Partial<Env & DevelopmentBindings> = {}) {
  const result = await logged(path, init, overrides)
  expect(result.otherOutput).toEqual([])
  expect(result.lines).toHaveLength(1)
  return { ...result, line: result.lines[0] as AccessLine }
}
