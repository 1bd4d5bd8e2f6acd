/** Idempotency-Key configuration, read from the Worker's vars (wrangler.toml [vars]). */
import type { GatewayEnv } from '../env.ts'
import { GatewayError } from '../errors.ts'

export interface IdempotencyConfig {
  /** How long an outcome is kept and replayed. */
  ttlMs: number
  /** Deadline of each call to a key's object; past it the call is refused with a 500. */
  timeoutMs: number
  /** How long a claimed call may take to report its outcome before it is presumed lost (see record.ts). */
  inFlightMs: number
}

export const DEFAULTS = {
  IDEMPOTENCY_TTL_S: '86400',
  IDEMPOTENCY_TIMEOUT_MS: '3000',
} as const

/** As src/origin.ts reads ORIGIN_TIMEOUT_MS: a call can wait no longer on the origin. */
const originTimeoutMs = (env: GatewayEnv) => Number(env.ORIGIN_TIMEOUT_MS) || 30_000

/**
 * What a claimed call may spend besides the origin's timeout: signing before it, storing the outcome
 * after it, and a wide margin for a busy isolate. A call that takes longer still cannot run twice; its
 * repeats only answer "outcome unknown" until it reports.
 */
const REPORT_MARGIN_MS = 30_000

const parsed = new WeakMap<GatewayEnv, IdempotencyConfig>()

/** Parsed once per env object; a bad value is a clear 500 naming the variable, never a crash. */
export function idempotencyConfig(env: GatewayEnv): IdempotencyConfig {
  let config = parsed.get(env)
  if (!config) {
    const read = (name: keyof typeof DEFAULTS) => positiveInt(name, (env[name] ?? '').trim() || DEFAULTS[name])
    const timeoutMs = read('IDEMPOTENCY_TIMEOUT_MS')
    config = {
      ttlMs: read('IDEMPOTENCY_TTL_S') * 1000,
      timeoutMs,
      inFlightMs: originTimeoutMs(env) + timeoutMs + REPORT_MARGIN_MS,
    }
    parsed.set(env, config)
  }
  return config
}

function positiveInt(name: string, value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: `invalid ${name}: must be a positive integer` })
  }
  return n
}
