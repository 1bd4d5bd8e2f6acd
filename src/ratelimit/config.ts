/** The limiter's configuration, read from the Worker's vars (wrangler.toml [vars]). */
import { parseRateWindows } from '../credentials/records.ts'
import type { RateWindow } from '../credentials/records.ts'
import { configError, intUpTo, oneOf, perEnv, positiveInt, varOr } from '../lib/vars.ts'
import { MAX_LEASE_MS } from './protocol.ts'

export interface LimiterConfig {
  enabled: boolean
  /** Windows for apps whose record has no `rate_limits`. */
  defaultWindows: RateWindow[]
  /** What happens when the limiter object cannot answer: let the request through, or refuse it. */
  failMode: 'open' | 'closed'
  timeoutMs: number
  /** How long an isolate's lease on a key's quota lasts; 0 asks the limiter object for every request. */
  leaseMs: number
}

export const DEFAULTS = {
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_DEFAULT: '100/1s,3000/60s',
  RATE_LIMIT_FAIL_MODE: 'open',
  RATE_LIMIT_TIMEOUT_MS: '1000',
  RATE_LIMIT_LEASE_MS: '500',
} as const

/** The limiter's configuration of this env. */
export const limiterConfig = perEnv((env): LimiterConfig => {
  const read = (name: keyof typeof DEFAULTS) => varOr(env, name, DEFAULTS[name])
  return {
    enabled: oneOf('RATE_LIMIT_ENABLED', read('RATE_LIMIT_ENABLED'), ['true', 'false']) === 'true',
    defaultWindows: parseWindows('RATE_LIMIT_DEFAULT', read('RATE_LIMIT_DEFAULT')),
    failMode: oneOf('RATE_LIMIT_FAIL_MODE', read('RATE_LIMIT_FAIL_MODE'), ['open', 'closed']),
    timeoutMs: positiveInt('RATE_LIMIT_TIMEOUT_MS', read('RATE_LIMIT_TIMEOUT_MS')),
    leaseMs: intUpTo('RATE_LIMIT_LEASE_MS', read('RATE_LIMIT_LEASE_MS'), MAX_LEASE_MS),
  }
})

/** `"100/1s,3000/60s"`: every window enforced. */
function parseWindows(name: string, value: string): RateWindow[] {
  const parsed = parseRateWindows(value)
  if ('badItem' in parsed) throw configError(name, `'${parsed.badItem}' is not <tokens>/<period> with both positive, e.g. 100/1s`)
  return parsed.windows
}
