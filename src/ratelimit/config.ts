/** The limiter's configuration, read from the Worker's vars (wrangler.toml [vars]). */
import { parseRateWindows } from '../credentials/records.ts'
import type { RateWindow } from '../credentials/records.ts'
import type { GatewayEnv } from '../env.ts'
import { GatewayError } from '../errors.ts'
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

const parsed = new WeakMap<GatewayEnv, LimiterConfig>()

/** Parsed once per env object; a bad value is a clear 500 naming the variable, never a crash. */
export function limiterConfig(env: GatewayEnv): LimiterConfig {
  let config = parsed.get(env)
  if (!config) {
    config = parseConfig(env)
    parsed.set(env, config)
  }
  return config
}

function parseConfig(env: GatewayEnv): LimiterConfig {
  const read = (name: keyof typeof DEFAULTS) => (env[name] ?? '').trim() || DEFAULTS[name]
  return {
    enabled: oneOf('RATE_LIMIT_ENABLED', read('RATE_LIMIT_ENABLED'), ['true', 'false']) === 'true',
    defaultWindows: parseWindows('RATE_LIMIT_DEFAULT', read('RATE_LIMIT_DEFAULT')),
    failMode: oneOf('RATE_LIMIT_FAIL_MODE', read('RATE_LIMIT_FAIL_MODE'), ['open', 'closed']),
    timeoutMs: positiveInt('RATE_LIMIT_TIMEOUT_MS', read('RATE_LIMIT_TIMEOUT_MS')),
    leaseMs: intUpTo('RATE_LIMIT_LEASE_MS', read('RATE_LIMIT_LEASE_MS'), MAX_LEASE_MS),
  }
}

/** `"100/1s,3000/60s"`: every window enforced. */
function parseWindows(name: string, value: string): RateWindow[] {
  const parsed = parseRateWindows(value)
  if ('badItem' in parsed) throw configError(name, `'${parsed.badItem}' is not <tokens>/<period> with both positive, e.g. 100/1s`)
  return parsed.windows
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw configError(name, `must be one of ${allowed.join(', ')}`)
  return value as T
}

function positiveInt(name: string, value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) throw configError(name, 'must be a positive integer')
  return n
}

function intUpTo(name: string, value: string, max: number): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw configError(name, `must be an integer from 0 to ${max}`)
  return n
}

const configError = (name: string, why: string) =>
  new GatewayError('INTERNAL_SERVER_ERROR', { reason: `invalid ${name}: ${why}` })
