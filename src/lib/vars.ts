/**
 * Reading the Worker's vars (wrangler.toml [vars]): each concern parses its own once per env object,
 * and a bad value is a clear 500 naming the variable, never a crash.
 */
import { GatewayError } from './errors.ts'

/** `parse` run once per env object (the runtime hands the same one to every request of an isolate). */
export function perEnv<T>(parse: (env: Env) => T): (env: Env) => T {
  const parsed = new WeakMap<Env, T>()
  return (env) => {
    let config = parsed.get(env)
    if (config === undefined) {
      config = parse(env)
      parsed.set(env, config)
    }
    return config
  }
}

/** A var's text, or the default when it is unset or blank. */
export const varOr = (env: Env, name: keyof Env, fallback: string) => ((env[name] as string | undefined) ?? '').trim() || fallback

export const configError = (name: string, why: string) => new GatewayError('INTERNAL_SERVER_ERROR', { reason: `invalid ${name}: ${why}` })

export function positiveInt(name: string, value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) throw configError(name, 'must be a positive integer')
  return n
}

export function intUpTo(name: string, value: string, max: number): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw configError(name, `must be an integer from 0 to ${max}`)
  return n
}

export function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw configError(name, `must be one of ${allowed.join(', ')}`)
  return value as T
}
