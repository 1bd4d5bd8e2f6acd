/**
 * The isolate's view of the credential feed (./feed-object.ts). A credential decision never rests on a
 * view of the feed older than REVOCATION_BOUND_MS: while the isolate is busy the view is refreshed in
 * the background every REFRESH_AFTER_MS, so no request waits; a request after a quiet spell (or the
 * isolate's first) makes its own call first. Records the feed names are laid over KV until KV has
 * surely caught up everywhere, and the isolate's cached copies of them are dropped at once.
 *
 * Requests never await a poll another request started (Workers forbid it): only its result, in memory,
 * is shared. If the feed cannot be reached the isolate falls back to KV and its cache, retrying a second
 * later, so an outage of the feed costs the revocation bound, never availability.
 */
import { withDeadline } from '../lib/deadline.ts'
import { type FeedPage, RETENTION_MS } from './feed-object.ts'

/** How stale the view may be before a credential check waits for a fresh one. */
export const REVOCATION_BOUND_MS = 10_000
/** How stale the view may be before a busy isolate refreshes it in the background. */
export const REFRESH_AFTER_MS = 4_000
/** Identical replicas of the feed; each isolate reads one, the admin endpoint writes them all. */
export const FEED_REPLICAS = 4
const RETRY_AFTER_FAILURE_MS = 1_000
/** A poll that takes longer has failed: a request never waits longer than this for the feed. */
const POLL_TIMEOUT_MS = 1_000

export const replicaName = (replica: number) => `feed/${replica}`

/** What the view needs of the CREDENTIAL_FEED binding. */
export interface FeedNamespace {
  getByName(name: string): { since(seq: number | null): Promise<FeedPage> }
}

export type Background = (work: Promise<unknown>) => void

/** Called for each key the feed changed, or with null when the view missed changes and all is suspect. */
export type OnChange = (key: string | null) => void

export class FeedView {
  readonly #replica = Math.floor(Math.random() * FEED_REPLICAS)
  readonly #onChange: OnChange
  /** Records written recently, by KV key: what KV will show everywhere once it has caught up. */
  readonly #overlay = new Map<string, { record: string | null; until: number }>()
  #seq: number | null = null
  /** When the newest applied poll started: the view holds every change made before then. */
  #confirmedAt = Number.NEGATIVE_INFINITY
  #refreshing = false
  #retryAt = 0

  constructor(onChange: OnChange) {
    this.#onChange = onChange
  }

  /** Makes the view fresh enough for a credential check: a promise only when the caller must wait. */
  confirm(namespace: FeedNamespace | undefined, background: Background): Promise<void> | undefined {
    if (!namespace) return undefined
    const now = Date.now()
    const age = now - this.#confirmedAt
    if (age < REFRESH_AFTER_MS) return undefined
    if (age < REVOCATION_BOUND_MS) {
      if (!this.#refreshing) {
        this.#refreshing = true
        background(this.#poll(namespace).finally(() => (this.#refreshing = false)))
      }
      return undefined
    }
    if (now < this.#retryAt) return undefined
    return this.#poll(namespace)
  }

  /** A poll now, unless one started within `minAgeMs`: for a secret that may have been rotated in. */
  refresh(namespace: FeedNamespace | undefined, minAgeMs: number): Promise<void> | undefined {
    if (!namespace || Date.now() - this.#confirmedAt < minAgeMs || Date.now() < this.#retryAt) return undefined
    return this.#poll(namespace)
  }

  /** The record the feed holds for a KV key, when it holds one that KV may not show yet. */
  overlaid(key: string): { record: string | null } | undefined {
    const entry = this.#overlay.get(key)
    if (!entry || entry.until > Date.now()) return entry
    this.#overlay.delete(key)
    return undefined
  }

  async #poll(namespace: FeedNamespace): Promise<void> {
    const started = Date.now()
    try {
      const since = () => namespace.getByName(replicaName(this.#replica)).since(this.#seq)
      this.#apply(await withDeadline(since, POLL_TIMEOUT_MS, (reason) => new Error(reason)), started)
    } catch (error) {
      this.#retryAt = Date.now() + RETRY_AFTER_FAILURE_MS
      console.error(`credential feed unavailable, revocations fall back to KV's delay: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  #apply(page: FeedPage, started: number): void {
    // Two polls may cross: a page no newer than the view is already in it.
    if (this.#seq !== null && page.seq < this.#seq) return
    if (!page.complete) this.#onChange(null)
    // Entries past their time go with each poll, so the overlay holds a window of writes, not all of them.
    const now = Date.now()
    for (const [key, entry] of this.#overlay) if (entry.until <= now) this.#overlay.delete(key)
    const until = now + RETENTION_MS
    for (const { key, record } of page.changes) {
      this.#overlay.set(key, { record, until })
      this.#onChange(key)
    }
    this.#seq = page.seq
    this.#confirmedAt = Math.max(this.#confirmedAt, started)
  }
}
