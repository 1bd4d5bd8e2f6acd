/**
 * What an isolate and a limiter object say to each other: one call, `RateLimiter.acquire`, that may
 * admit the request waiting on it, report what the isolate spent of its lease, and grant or close that
 * lease (docs/rate-limiting.md).
 */
import * as z from 'zod'
import { rateWindowSchema } from '../credentials/records.ts'
import type { RateWindow } from '../credentials/records.ts'

/** Longest lease an isolate may ask for: a lease that ends unreturned costs its tokens for one period. */
export const MAX_LEASE_MS = 1000

const leaseRequestSchema = z.object({
  /** The lease to renew or close, as the object named it; absent to open one. */
  id: z.string().min(1).max(64).optional(),
  /** Tokens of this lease the isolate has spent so far, in all (never decreases). */
  spent: z.int().nonnegative(),
  /** Tokens the isolate would like to hold unspent after this call. */
  want: z.int().nonnegative(),
  /** How long the lease lives after this call. */
  ms: z.int().positive().max(MAX_LEASE_MS),
  /** The isolate has stopped spending this lease: its unspent tokens go back. */
  close: z.boolean().optional(),
})
export type LeaseRequest = z.infer<typeof leaseRequestSchema>

export const acquireRequestSchema = z.object({
  windows: z.array(rateWindowSchema).min(1).max(8),
  /** A request waits on this answer: admit it, out of the free quota, before any lease is granted. */
  admit: z.boolean(),
  lease: leaseRequestSchema.optional(),
  /** Test clock (ms); in production the object uses its own clock. */
  at: z.int().nonnegative().optional(),
})
export type AcquireRequest = z.infer<typeof acquireRequestSchema>

export interface WindowState extends RateWindow {
  /** Tokens neither counted as admitted nor held by an open lease (any isolate's). */
  remaining: number
  /** Milliseconds until the window may have room for one more request. */
  resetMs: number
}

export interface Decision {
  /** The waiting request was admitted (always false when none was waiting). */
  allowed: boolean
  windows: WindowState[]
}

/** The caller's lease after the call: `tokens` were added to it, and it lives `ms` from the call. */
export interface Grant {
  id: string
  tokens: number
  ms: number
}

export interface AcquireAnswer {
  decision: Decision
  /** Absent when the caller holds no lease: none was asked for or granted, it was closed, or it had ended. */
  lease?: Grant
  /** The object's clock when it decided. */
  at: number
}

/** A malformed request, answered rather than thrown (a throw is reported as an uncaught exception). */
export interface Rejected {
  rejected: string
}
