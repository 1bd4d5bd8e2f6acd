/** Idempotency-Key configuration, read from the Worker's vars (wrangler.toml [vars]). */
import { perEnv, positiveInt, varOr } from '../lib/vars.ts'

interface IdempotencyConfig {
  /** How long an outcome is kept and replayed. */
  ttlMs: number
  /** Deadline of each call to a key's object; past it the call is refused with a 500. */
  timeoutMs: number
}

const DEFAULTS = {
  IDEMPOTENCY_TTL_S: '86400',
  IDEMPOTENCY_TIMEOUT_MS: '3000',
} as const

/**
 * What a claimed call may spend besides the origin's timeout and the key's own calls: signing before
 * it, storing the outcome after it, and a wide margin for a busy isolate. A call that takes longer
 * still cannot run twice; its repeats only answer "outcome unknown" until it reports.
 */
const REPORT_MARGIN_MS = 30_000

/** The Idempotency-Key configuration of this env. */
export const idempotencyConfig = perEnv((env): IdempotencyConfig => {
  const read = (name: keyof typeof DEFAULTS) => positiveInt(name, varOr(env, name, DEFAULTS[name]))
  return { ttlMs: read('IDEMPOTENCY_TTL_S') * 1000, timeoutMs: read('IDEMPOTENCY_TIMEOUT_MS') }
})

/** How long a claimed call may take to report its outcome before it is presumed lost (see record.ts). */
export const inFlightMs = (originTimeoutMs: number, config: IdempotencyConfig) => originTimeoutMs + config.timeoutMs + REPORT_MARGIN_MS
