/** Idempotency-Key configuration, read from the Worker's vars (wrangler.toml [vars]). */
import { originTimeoutMs } from '../origin/origin.ts'
import { perEnv, positiveInt, varOr } from '../lib/vars.ts'

interface IdempotencyConfig {
  /** How long an outcome is kept and replayed. */
  ttlMs: number
  /** Deadline of each call to a key's object; past it the call is refused with a 500. */
  timeoutMs: number
  /** How long a claimed call may take to report its outcome before it is presumed lost (see record.ts). */
  inFlightMs: number
}

const DEFAULTS = {
  IDEMPOTENCY_TTL_S: '86400',
  IDEMPOTENCY_TIMEOUT_MS: '3000',
} as const

/**
 * What a claimed call may spend besides the origin's timeout: signing before it, storing the outcome
 * after it, and a wide margin for a busy isolate. A call that takes longer still cannot run twice; its
 * repeats only answer "outcome unknown" until it reports.
 */
const REPORT_MARGIN_MS = 30_000

/** The Idempotency-Key configuration of this env. */
export const idempotencyConfig = perEnv((env): IdempotencyConfig => {
  const read = (name: keyof typeof DEFAULTS) => positiveInt(name, varOr(env, name, DEFAULTS[name]))
  const timeoutMs = read('IDEMPOTENCY_TIMEOUT_MS')
  return {
    ttlMs: read('IDEMPOTENCY_TTL_S') * 1000,
    timeoutMs,
    inFlightMs: originTimeoutMs(env) + timeoutMs + REPORT_MARGIN_MS,
  }
})
