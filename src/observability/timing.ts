/**
 * What each step of a call took and which tier answered it (CONTRACT §6): the steps write it, the
 * callHeaders() step renders it as `Server-Timing` on every response, and the access log reads it.
 */
import type { Source } from '../credentials/store.ts'
import type { ClaimResult } from '../idempotency/record.ts'
import type { LimitTier } from '../ratelimit/client.ts'

/** Who answered the credential checks: the isolate's memory, or KV. */
export type AuthTier = Source
/** Who decided the rate limit (docs/rate-limiting.md). */
export type RateLimitTier = LimitTier | 'fail-open' | 'fail-closed' | 'off'
/** What the Idempotency-Key's object answered, or that it could not. */
export type IdempotencyTier = ClaimResult['status'] | 'unavailable'

export interface StepTiming<Tier extends string = string> {
  desc: Tier
  /** Milliseconds. On Workers the clock moves only across I/O, so this is the time spent waiting. */
  dur: number
}

export interface Timings {
  auth?: StepTiming<AuthTier>
  ratelimit?: StepTiming<RateLimitTier>
  /** Only on calls with an Idempotency-Key: the time spent on the key's object. */
  idempotency?: StepTiming<IdempotencyTier>
  /** desc: the origin's HTTP status, or why there is none (`unreachable`, `timeout`). */
  origin?: StepTiming
  /** The credentials were refused: the caller is shown the total only (the access log keeps the rest). */
  authRefused?: boolean
}

/** Steps a call did not reach are listed too, so every answer has the same four entries. */
const NOT_REACHED = 'skipped'

const entry = (name: string, step: StepTiming | undefined) =>
  `${name};desc="${step?.desc ?? NOT_REACHED}";dur=${step ? round(step.dur) : 0}`

export const round = (ms: number) => Math.round(ms * 10) / 10

/**
 * The four entries CONTRACT §6 lists on every answer, and `idempotency` on calls with a key; the total
 * alone on a refused authentication, so that it reads the same for an unknown app and a known one.
 */
export const serverTimingHeader = (timings: Timings, totalMs: number) =>
  timings.authRefused ? `total;dur=${round(totalMs)}` : [
    entry('auth', timings.auth),
    entry('ratelimit', timings.ratelimit),
    ...(timings.idempotency ? [entry('idempotency', timings.idempotency)] : []),
    entry('origin', timings.origin),
    `total;dur=${round(totalMs)}`,
  ].join(', ')
