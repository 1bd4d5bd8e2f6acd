/**
 * One Workers Analytics Engine data point per call (binding METRICS). The order of the blobs and doubles
 * is the dataset's schema — `blob1`…`blob5`, `double1`…`double4` in the SQL of docs/observability.md.
 */
import { bounded } from '../lib/errors.ts'
import type { AccessLine } from './line.ts'

/** The blobs and doubles, named in the order they are written. */
export const BLOBS = ['app', 'resource', 'code_name', 'colo', 'origin'] as const
export const DOUBLES = ['status', 'total_ms', 'origin_ms', 'limiter_refused'] as const

/** What the origin did: its HTTP status, `timeout`, `unreachable`, or empty when it was not called. */
const originOutcome = (line: AccessLine) => (line.origin_status !== null ? String(line.origin_status) : (line.origin_error ?? ''))

function dataPoint(line: AccessLine): AnalyticsEngineDataPoint {
  const app = line.app ?? ''
  const blobs: Record<(typeof BLOBS)[number], string> = {
    app,
    resource: line.resource ?? '',
    code_name: line.code_name ?? '',
    colo: line.colo ?? '',
    origin: originOutcome(line),
  }
  const doubles: Record<(typeof DOUBLES)[number], number> = {
    status: line.status,
    total_ms: line.total_ms,
    origin_ms: line.origin_ms ?? 0,
    limiter_refused: line.code_name === 'RATE_LIMIT_RESTRICTION' ? 1 : 0,
  }
  return { indexes: [app], blobs: BLOBS.map((name) => blobs[name]), doubles: DOUBLES.map((name) => doubles[name]) }
}

/**
 * Writes the call's data point. Without the binding (local development) there are no metrics; a binding
 * that fails never fails the call: what it threw is returned, for the access log.
 */
export function recordMetrics(dataset: AnalyticsEngineDataset | undefined, line: AccessLine): string | null {
  if (!dataset) return null
  try {
    dataset.writeDataPoint(dataPoint(line))
    return null
  } catch (err) {
    return bounded(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
  }
}
