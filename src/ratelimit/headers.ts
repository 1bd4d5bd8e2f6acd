/**
 * The rate-limit response headers: BlueKing's X-Bkapi-RateLimit-* (bk-apigw-reference §6.4) and the
 * IETF draft-10 structured fields RateLimit-Policy and RateLimit (RFC 9651 lists).
 */
import type { Decision, WindowState } from './limiter.ts'

export const PLUGIN = 'bk-resource-rate-limit'

const seconds = (ms: number) => Math.ceil(ms / 1000)

/** The policy name of a window, e.g. `"60s"`. */
const policyName = (w: WindowState) => `"${w.period}s"`

/** The window closest to refusing: least remaining, then the longest wait for quota. */
export function mostConstraining(decision: Decision): WindowState {
  return decision.windows.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.resetMs > a.resetMs) ? b : a,
  )
}

/** Headers for every limited response, admitted or refused; Retry-After is added on refusal. */
export function rateLimitHeaders(decision: Decision): Record<string, string> {
  const tightest = mostConstraining(decision)
  const reset = seconds(tightest.resetMs)
  const headers: Record<string, string> = {
    'X-Bkapi-RateLimit-Limit': String(tightest.tokens),
    'X-Bkapi-RateLimit-Remaining': String(tightest.remaining),
    'X-Bkapi-RateLimit-Reset': String(reset),
    'X-Bkapi-RateLimit-Plugin': PLUGIN,
    'RateLimit-Policy': decision.windows.map((w) => `${policyName(w)};q=${w.tokens};w=${w.period}`).join(', '),
    RateLimit: `${policyName(tightest)};r=${tightest.remaining};t=${reset}`,
  }
  // A refused window is the tightest one and frees quota last, so Retry-After is never before `t`.
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, reset))
  return headers
}

/** Which tier decided, as a Server-Timing metric: `ratelimit;desc="do";dur=1.2`. */
export type DecidedBy = 'do' | 'isolate-cache' | 'fail-open' | 'fail-closed'

export const serverTiming = (tier: DecidedBy, durMs: number) =>
  `ratelimit;desc="${tier}";dur=${Number(durMs.toFixed(1))}`
