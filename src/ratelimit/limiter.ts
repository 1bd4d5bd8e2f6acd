/**
 * The limiter Durable Object: one per (resource, shard, app) key. It makes an exact sliding-window
 * decision over several windows at once and does no I/O other than its own SQLite storage, so its
 * input queue never waits on the network.
 *
 * Each window of P seconds is counted in BUCKETS cells of P/BUCKETS. A request at `now` counts every
 * cell that overlaps (now − P, now], the oldest one whole. That over-counts, never under-counts, so in
 * any interval of P seconds at most `tokens` requests pass; the price is that a unit of quota comes
 * back up to P/BUCKETS later than a perfect log would give it back.
 */
import { DurableObject } from 'cloudflare:workers'
import { z } from 'zod'
import { rateWindowSchema } from '../credentials/records.ts'
import type { RateWindow } from '../credentials/records.ts'

/** Cells per window: 1 s windows count in 10 ms cells, 60 s windows in 600 ms cells. */
export const BUCKETS = 100

export const decideRequestSchema = z.object({
  windows: z.array(rateWindowSchema).min(1),
  /** Test clock (ms); in production the object uses its own clock. */
  at: z.number().int().nonnegative().optional(),
})
export type DecideRequest = z.infer<typeof decideRequestSchema>

export interface WindowState extends RateWindow {
  remaining: number
  /** Milliseconds until this window gives back enough quota for one more request. */
  resetMs: number
}

export interface Decision {
  allowed: boolean
  windows: WindowState[]
}

interface Cell {
  bucket: number
  hits: number
}

const cellWidth = (periodMs: number) => periodMs / BUCKETS
const bucketOf = (t: number, periodMs: number) => Math.floor(t / cellWidth(periodMs))
/** First instant at which the cell no longer overlaps the window (see the module comment). */
const cellFreedAt = (bucket: number, periodMs: number) => (bucket + 1) * cellWidth(periodMs) + periodMs - 1

export class RateLimiter extends DurableObject {
  #tableReady = false
  #lastNow = 0
  #alarmAt = 0
  /** Per period: cells below this bucket are already deleted. */
  readonly #prunedBelow = new Map<number, number>()

  /**
   * Admits the request if every window has room for it, and then counts it in every window; otherwise
   * counts nothing. Synchronous from start to end, so concurrent calls cannot interleave.
   */
  decide(request: DecideRequest): Decision {
    const parsed = decideRequestSchema.safeParse(request)
    // A plain message: a ZodError loses its details on the way back over RPC.
    if (!parsed.success) throw new TypeError(`invalid limiter request: ${z.prettifyError(parsed.error)}`)
    const { windows, at } = parsed.data
    const now = this.#clock(at)
    this.#ensureTable()
    const periods = [...new Set(windows.map((w) => w.period * 1000))]
    const cells = new Map(periods.map((p) => [p, this.#countedCells(p, now)]))
    const used = (w: RateWindow) => sumHits(cells.get(w.period * 1000) ?? [])

    const allowed = windows.every((w) => used(w) < w.tokens)
    if (allowed) {
      for (const periodMs of periods) this.#count(periodMs, now, cells.get(periodMs) ?? [])
      this.#scheduleCleanup(now, Math.max(...periods))
    }
    return {
      allowed,
      windows: windows.map((w) => {
        const counted = cells.get(w.period * 1000) ?? []
        const hits = sumHits(counted)
        // One more request needs the count to drop below tokens; with room left, any freed unit is news.
        const needed = Math.max(1, hits - w.tokens + 1)
        return { ...w, remaining: Math.max(0, w.tokens - hits), resetMs: msUntilFreed(counted, needed, w.period * 1000, now) }
      }),
    }
  }

  /** Deletes the object's storage once every window has run out, so idle keys cost nothing. */
  override async alarm(): Promise<void> {
    if (!this.#tableReady) this.#ensureTable()
    const now = Date.now()
    let lastFreed = 0
    for (const { period_ms, bucket } of this.ctx.storage.sql.exec<{ period_ms: number; bucket: number }>(
      'SELECT period_ms, MAX(bucket) AS bucket FROM cells GROUP BY period_ms',
    )) {
      lastFreed = Math.max(lastFreed, cellFreedAt(bucket, period_ms))
    }
    if (lastFreed > now) {
      await this.ctx.storage.setAlarm(lastFreed)
      this.#alarmAt = lastFreed
      return
    }
    await this.ctx.storage.deleteAll()
    this.#tableReady = false
    this.#alarmAt = 0
    this.#prunedBelow.clear()
  }

  /** Never goes backwards, so a clock step cannot hand quota back early. */
  #clock(at: number | undefined): number {
    this.#lastNow = Math.max(at ?? Date.now(), this.#lastNow)
    return this.#lastNow
  }

  #ensureTable(): void {
    if (this.#tableReady) return
    this.ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS cells (
         period_ms INTEGER NOT NULL,
         bucket INTEGER NOT NULL,
         hits INTEGER NOT NULL,
         PRIMARY KEY (period_ms, bucket)
       ) WITHOUT ROWID`,
    )
    this.#tableReady = true
  }

  /** The cells that overlap (now − period, now], oldest first. */
  #countedCells(periodMs: number, now: number): Cell[] {
    const first = bucketOf(now - periodMs + 1, periodMs)
    if (first > (this.#prunedBelow.get(periodMs) ?? -Infinity)) {
      this.ctx.storage.sql.exec('DELETE FROM cells WHERE period_ms = ? AND bucket < ?', periodMs, first)
      this.#prunedBelow.set(periodMs, first)
    }
    return this.ctx.storage.sql
      .exec<{ bucket: number; hits: number }>(
        'SELECT bucket, hits FROM cells WHERE period_ms = ? AND bucket >= ? ORDER BY bucket',
        periodMs,
        first,
      )
      .toArray()
  }

  /** Counts one request in the current cell, in storage and in the caller's copy of the cells. */
  #count(periodMs: number, now: number, cells: Cell[]): void {
    const bucket = bucketOf(now, periodMs)
    this.ctx.storage.sql.exec(
      'INSERT INTO cells (period_ms, bucket, hits) VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET hits = hits + 1',
      periodMs,
      bucket,
    )
    const last = cells.at(-1)
    if (last?.bucket === bucket) last.hits++
    else cells.push({ bucket, hits: 1 })
  }

  /** Keeps an alarm at or after the moment every counted cell has expired; rewritten rarely. */
  #scheduleCleanup(now: number, longestPeriodMs: number): void {
    const allFreed = now + longestPeriodMs + cellWidth(longestPeriodMs)
    if (allFreed <= this.#alarmAt) return
    this.#alarmAt = allFreed + longestPeriodMs
    void this.ctx.storage.setAlarm(this.#alarmAt)
  }
}

const sumHits = (cells: Cell[]) => cells.reduce((sum, c) => sum + c.hits, 0)

/** Time until the oldest cells holding `needed` hits have left the window; 0 when nothing is counted. */
function msUntilFreed(cells: Cell[], needed: number, periodMs: number, now: number): number {
  let freed = 0
  for (const cell of cells) {
    freed += cell.hits
    if (freed >= needed) return Math.max(0, cellFreedAt(cell.bucket, periodMs) - now)
  }
  return 0
}
