/**
 * The limiter Durable Object: one per (resource, app) key, the truth about the key's quota.
 *
 * It counts admitted requests in sliding windows (./cells.ts) and lends blocks of quota to isolates as
 * leases. While a lease is open, its unspent tokens count as spent in every window; what the isolate
 * reports as spent is counted when reported (never before it was spent, so never too short); a lease
 * that ends unreturned is counted as wholly spent at the moment it expires, which the isolate never
 * reaches. So at every moment the windows count at least every request admitted anywhere, and the
 * object never admits or lends past the limit.
 *
 * Decisions are made synchronously on memory, so concurrent calls cannot interleave. Every change is
 * written before the answer leaves (the storage's output gate), so a restarted object remembers every
 * lease and admission it has answered. It does no I/O other than its own storage.
 */
import { DurableObject } from 'cloudflare:workers'
import * as z from 'zod'
import type { RateWindow } from '../credentials/records.ts'
import { Cells, cellWidth } from './cells.ts'
import { acquireRequestSchema } from './protocol.ts'
import type { AcquireAnswer, AcquireRequest, Grant, LeaseRequest, Rejected, WindowState } from './protocol.ts'

/**
 * A lease may hold at most (free tokens + its own) ÷ max(this, open leases): one isolate never holds
 * most of what is left, so another finds quota whenever some is free.
 */
export const FAIR_SHARE_DIVISOR = 4

interface Lease {
  /** Tokens granted, in all. */
  granted: number
  /** Tokens the holder has reported spent, in all; these are counted in the cells. */
  reported: number
  expiresAt: number
}

/** A lease the call renews (or opens: not stored until it holds something). */
interface Held {
  id: string
  lease: Lease
  stored: boolean
}

const CELL_PREFIX = 'cell/'
const LEASE_PREFIX = 'lease/'
const cellKey = (periodMs: number, bucket: number) => `${CELL_PREFIX}${periodMs}/${bucket}`
const unspent = (lease: Lease) => lease.granted - lease.reported

export class RateLimiter extends DurableObject {
  #lastNow = 0
  /** Per period in ms; read from storage on first use. */
  readonly #windows = new Map<number, Cells>()
  #openLeases: Map<string, Lease> | undefined
  #alarmAt = 0

  /**
   * Admits the waiting request if every window has room, then settles and renews the caller's lease;
   * refuses without counting anything otherwise.
   */
  acquire(request: AcquireRequest): AcquireAnswer | Rejected {
    const parsed = acquireRequestSchema.safeParse(request)
    if (!parsed.success) return { rejected: `invalid limiter request: ${z.prettifyError(parsed.error)}` }
    const { windows, admit, lease, at } = parsed.data
    const now = this.#clock(at)
    const cells = windows.map((w) => this.#cells(w.period * 1000, now))
    this.#expireLeases(now)
    const held = lease && this.#settle(lease, now)

    const free = () => Math.min(...windows.map((w, i) => w.tokens - cells[i]!.hits)) - this.#leased()
    const allowed = admit && free() > 0
    if (allowed) for (const c of new Set(cells)) c.add(now, 1)
    // A refused admission leaves nothing free, so the lease is only kept alive.
    const grant = held && lease ? this.#renew(held, lease, free(), admit, now) : undefined

    if (allowed || grant) this.#wantCleanupAfter(now + (lease?.ms ?? 0), windows)
    const leased = this.#leased()
    return {
      decision: { allowed, windows: windows.map((w, i) => this.#state(w, cells[i]!, leased, now)) },
      ...(grant ? { lease: grant } : {}),
      at: now,
    }
  }

  /** Deletes the object's storage once every window has run out and no lease is open. */
  override async alarm(): Promise<void> {
    const now = this.#clock(undefined)
    // The periods first: reading a period's cells lists storage again, which ends a listing still open.
    const periods = new Set(Array.from(this.ctx.storage.kv.list({ prefix: CELL_PREFIX }), ([key]) => Number(key.split('/')[1])))
    for (const periodMs of periods) this.#cells(periodMs, now)
    this.#expireLeases(now)
    const next = Math.max(
      ...[...this.#windows.values()].map((c) => c.lastFreedAt),
      ...[...this.#leases().values()].map((l) => l.expiresAt),
    )
    if (next > now) {
      this.#alarmAt = next
      await this.ctx.storage.setAlarm(next)
      return
    }
    this.#windows.clear()
    this.#openLeases = undefined
    this.#alarmAt = 0
    await this.ctx.storage.deleteAll()
  }

  /** Never goes backwards, so a clock step cannot hand quota back early. */
  #clock(at: number | undefined): number {
    this.#lastNow = Math.max(at ?? Date.now(), this.#lastNow)
    return this.#lastNow
  }

  /** A period's cells, read from storage on first use, advanced to `now`. */
  #cells(periodMs: number, now: number): Cells {
    let cells = this.#windows.get(periodMs)
    if (!cells) {
      const prefix = `${CELL_PREFIX}${periodMs}/`
      const stored = [...this.ctx.storage.kv.list<number>({ prefix })]
        .map(([key, hits]) => ({ bucket: Number(key.slice(prefix.length)), hits }))
        .sort((a, b) => a.bucket - b.bucket)
      cells = new Cells(periodMs, stored, (bucket, hits) => {
        const key = cellKey(periodMs, bucket)
        if (hits === undefined) this.ctx.storage.kv.delete(key)
        else this.ctx.storage.kv.put(key, hits)
      })
      this.#windows.set(periodMs, cells)
    }
    cells.advance(now)
    return cells
  }

  #leases(): Map<string, Lease> {
    this.#openLeases ??= new Map(
      [...this.ctx.storage.kv.list<Lease>({ prefix: LEASE_PREFIX })].map(([key, lease]) => [key.slice(LEASE_PREFIX.length), lease]),
    )
    return this.#openLeases
  }

  /** Tokens held unspent by open leases: counted as spent in every window. */
  #leased(): number {
    let sum = 0
    for (const lease of this.#leases().values()) sum += unspent(lease)
    return sum
  }

  /** Counts spent tokens at `t` in every window the key has. */
  #count(t: number, n: number): void {
    for (const cells of this.#windows.values()) cells.add(t, n)
  }

  /** A lease that ran out unreturned is counted as wholly spent when it expired: its holder stopped before. */
  #expireLeases(now: number): void {
    for (const [id, lease] of this.#leases()) {
      if (lease.expiresAt > now) continue
      this.#count(lease.expiresAt, unspent(lease))
      this.#closeLease(id)
    }
  }

  /** Counts what the holder reports spent; closes the lease if asked. Undefined once the lease is gone. */
  #settle(request: LeaseRequest, now: number): Held | undefined {
    if (request.id === undefined) {
      return request.close ? undefined : { id: crypto.randomUUID(), lease: { granted: 0, reported: 0, expiresAt: now }, stored: false }
    }
    // Unknown: it expired or was closed, and its tokens were counted then. It is never opened again.
    const lease = this.#leases().get(request.id)
    if (!lease) return undefined
    const spent = Math.min(request.spent, lease.granted)
    if (spent > lease.reported) {
      this.#count(now, spent - lease.reported)
      lease.reported = spent
    }
    if (request.close) {
      this.#closeLease(request.id)
      return undefined
    }
    return { id: request.id, lease, stored: true }
  }

  /**
   * Tops the lease up towards what the holder wants, within its fair share of the free tokens. A
   * request's own call lends only while what its isolate wants is less than what is free: an isolate
   * whose burst would exhaust the window gets its tokens one request at a time, as from a perfect
   * limiter, so none of the burst's requests already on their way is refused for tokens a lease holds.
   * A background renewal, from an isolate spending its lease steadily, gets its share even then.
   */
  #renew(held: Held, request: LeaseRequest, free: number, admitting: boolean, now: number): Grant | undefined {
    const { lease } = held
    const holders = this.#leases().size + (held.stored ? 0 : 1)
    const share = Math.floor((Math.max(0, free) + unspent(lease)) / Math.max(FAIR_SHARE_DIVISOR, holders))
    const lendable = !admitting || request.want - unspent(lease) < free
    const tokens = lendable ? Math.max(0, Math.min(request.want, share) - unspent(lease)) : 0
    if (!held.stored && tokens === 0) return undefined
    lease.granted += tokens
    lease.expiresAt = now + request.ms
    this.#leases().set(held.id, lease)
    this.ctx.storage.kv.put(LEASE_PREFIX + held.id, lease)
    return { id: held.id, tokens, ms: request.ms }
  }

  #closeLease(id: string): void {
    this.#leases().delete(id)
    this.ctx.storage.kv.delete(LEASE_PREFIX + id)
  }

  #state(window: RateWindow, cells: Cells, leased: number, now: number): WindowState {
    const used = cells.hits + leased
    const remaining = Math.max(0, window.tokens - used)
    // With room left any freed unit is news; without, the first moment enough is freed or a lease may come back.
    const fromCells = cells.msUntilFreed(Math.max(1, used - window.tokens + 1), now)
    const resetMs =
      remaining > 0 ? (Number.isFinite(fromCells) ? fromCells : 0) : Math.min(fromCells, leased > 0 ? this.#firstExpiry() - now : Infinity)
    return { ...window, remaining, resetMs }
  }

  #firstExpiry(): number {
    return Math.min(...[...this.#leases().values()].map((l) => l.expiresAt))
  }

  /** Keeps an alarm at or after the moment everything counted until `until` has left every window. */
  #wantCleanupAfter(until: number, windows: RateWindow[]): void {
    const longestMs = Math.max(...windows.map((w) => w.period * 1000))
    const allFreed = until + longestMs + cellWidth(longestMs)
    if (allFreed <= this.#alarmAt) return
    // Set a period further than needed, so the alarm is rewritten about once a period, not once a call.
    this.#alarmAt = allFreed + longestMs
    void this.ctx.storage.setAlarm(this.#alarmAt)
  }
}
