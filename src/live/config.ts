/**
 * The live-status limits (docs/live-status.md). The coalescing window is a var; the rest are fixed
 * because they shape the protocol every front-end relies on.
 */
import { intUpTo, perEnv, varOr } from '../lib/vars.ts'

/** STATUS_COALESCE_MS: identical status reads of one identity within it reach the origin once (0 turns it off). */
export const coalesceMs = perEnv((env) => intUpTo('STATUS_COALESCE_MS', varOr(env, 'STATUS_COALESCE_MS', '1000'), 60_000))

/** Polling interval after a change; it doubles with each unchanged poll up to the maximum. */
export const POLL_MIN_MS = 1_000
export const POLL_MAX_MS = 15_000
/** A comment line every 15 s keeps proxies from closing a quiet stream. */
export const KEEPALIVE_MS = 15_000
/** A stream closes after this (the client reconnects with Last-Event-ID), so credentials are checked again. */
export const STREAM_LIFETIME_MS = 10 * 60_000
/** Watchers of one poller (one identity's view of one task). */
export const MAX_WATCHERS = 1_000
/** A watcher further behind than this is dropped rather than buffered without bound. */
export const MAX_QUEUED_BYTES = 1024 * 1024
/** Distinct reads remembered at once (path and fields): beyond this a read is not remembered. */
export const MAX_REMEMBERED_READS = 32
/**
 * A poller nobody has read or watched for IDLE_MS, told of writes less than BURST_MS apart, lets the
 * writers of its task skip telling it of their writes for QUIET_MS (a quiet lease, ./poller.ts), a
 * writer keeping QUIET_SAFETY of it back for the time its call takes.
 */
export const QUIET_MS = 1_000
export const IDLE_MS = 10_000
export const BURST_MS = 2_000
export const QUIET_SAFETY = 0.2
/** States after which a task never changes again: the stream ends. */
export const FINAL_STATES: ReadonlySet<string> = new Set(['FINISHED', 'REVOKED'])
