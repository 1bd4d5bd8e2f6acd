/**
 * The rate-limit response headers: BlueKing's X-Bkapi-RateLimit-* (bk-apigw-reference §6.4) and the
 * IETF draft-10 structured fields RateLimit-Policy and RateLimit (RFC 9651 lists, serialized by
 * structured-headers).
 */
import type { RateWindow } from '../credentials/records.ts'
import { serializeList } from 'structured-headers'
import type { Item } from 'structured-headers'
import type { Decision, WindowState } from './protocol.ts'

export const PLUGIN = 'bk-resource-rate-limit'

/** Largest integer a structured field can carry; larger limits are shown as this. */
const SF_INTEGER_MAX = 999_999_999_999_999

const seconds = (ms: number) => Math.ceil(ms / 1000)
const sfInteger = (n: number) => Math.min(n, SF_INTEGER_MAX)

/** A window's policy item, named after its period: `"60s";q=600;w=60`. */
const policyItem = (w: RateWindow, params: [string, number][]): Item => [`${w.period}s`, new Map(params)]

/** The window closest to refusing: least remaining, then the longest wait for quota. */
export function mostConstraining(decision: Decision): WindowState {
  return decision.windows.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.resetMs > a.resetMs) ? b : a,
  )
}

/** The policy depends only on the windows, whose array is the same object from one request to the next. */
const policies = new WeakMap<RateWindow[], string>()

/** RateLimit-Policy: every window, e.g. `"1s";q=10;w=1, "60s";q=600;w=60`. */
function policyHeader(windows: RateWindow[]): string {
  let policy = policies.get(windows)
  if (policy === undefined) {
    policy = serializeList(windows.map((w) => policyItem(w, [['q', sfInteger(w.tokens)], ['w', w.period]])))
    policies.set(windows, policy)
  }
  return policy
}

/** Headers for every limited response, admitted or refused; Retry-After is added on refusal. */
export function rateLimitHeaders(decision: Decision, windows: RateWindow[] = decision.windows): Record<string, string> {
  const tightest = mostConstraining(decision)
  const reset = seconds(tightest.resetMs)
  const headers: Record<string, string> = {
    'X-Bkapi-RateLimit-Limit': String(tightest.tokens),
    'X-Bkapi-RateLimit-Remaining': String(tightest.remaining),
    'X-Bkapi-RateLimit-Reset': String(reset),
    'X-Bkapi-RateLimit-Plugin': PLUGIN,
    'RateLimit-Policy': policyHeader(windows),
    RateLimit: serializeList([policyItem(tightest, [['r', sfInteger(tightest.remaining)], ['t', reset]])]),
  }
  // A refused window is the tightest one and frees quota last, so Retry-After is never before `t`.
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, reset))
  return headers
}
