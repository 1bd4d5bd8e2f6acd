/**
 * The limiter Durable Object: one per (resource, shard, app) key. It makes an exact sliding-window
 * decision over several windows at once and does no I/O other than its own SQLite storage, so its
 * input queue never waits on the network.
 *
 * Each window of P seconds is counted in BUCKETS cells of P/BUCKETS. A request at `now` counts every
 * cell that overlaps (now − P, now], the oldest one whole. That over-counts, never under-counts, so in
 * any interval of P seconds at most `tokens` requests pass; the price is that a unit of quota comes
 * back up to P/BUCKETS later than a perfect log would give it back.
 *
 * Decisions are made on the counts in memory, which the single-threaded object keeps exact under any
 * concurrency. An admission is answered only once it is durable in SQLite, and the writes of all the
 * admissions decided meanwhile share one commit (group commit), so a restart never forgets an admission
 * that was answered, and one commit per request does not cap the object's throughput.
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

interface DirtyCell {
  periodMs: number
  cell: Cell
}

const cellWidth = (periodMs: number) => periodMs / BUCKETS
const bucketOf = (t: number, periodMs: number) => Math.floor(t / cellWidth(periodMs))
/** First instant at which the cell no longer overlaps the window (see the module comment). */
const cellFreedAt = (bucket: number, periodMs: number) => (bucket + 1) * cellWidth(periodMs) + periodMs - 1

export class RateLimiter extends DurableObject {
  #tableReady = false
  #lastNow = 0
  /** Per period in ms: the cells that may still be counted, oldest first; the truth while the object lives. */
  readonly #cells = new Map<number, Cell[]>()
  /** Changed since the last write, and rows that have left their window, per period. */
  readonly #dirty = new Map<string, DirtyCell>()
  readonly #expiredBelow = new Map<number, number>()
  #alarmWanted = 0
  #alarmAt = 0
  /** The commit that will carry the changes made from now on, and the one before it. */
  #nextCommit: Promise<void> | undefined
  #lastCommit: Promise<void> = Promise.resolve()

  /**
   * Admits the request if every window has room for it, and then counts it in every window; otherwise
   * counts nothing. The decision is made synchronously, so concurrent calls cannot interleave; an
   * admission is answered once it is durable.
   */
  async decide(request: DecideRequest): Promise<Decision> {
    const parsed = decideRequestSchema.safeParse(request)
    // A plain message: a ZodError loses its details on the way back over RPC.
    if (!parsed.success) throw new TypeError(`invalid limiter request: ${z.prettifyError(parsed.error)}`)
    const { windows, at } = parsed.data
    const now = this.#clock(at)
    const periods = [...new Set(windows.map((w) => w.period * 1000))]
    const cells = new Map(periods.map((p) => [p, this.#countedCells(p, now)]))
    const used = (w: RateWindow) => sumHits(cells.get(w.period * 1000) ?? [])

    const allowed = windows.every((w) => used(w) < w.tokens)
    if (allowed) {
      for (const periodMs of periods) this.#count(periodMs, now, cells.get(periodMs) ?? [])
      this.#wantCleanupAfter(now, Math.max(...periods))
    }
    const decision = {
      allowed,
      windows: windows.map((w) => {
        const counted = cells.get(w.period * 1000) ?? []
        const hits = sumHits(counted)
        // One more request needs the count to drop below tokens; with room left, any freed unit is news.
        const needed = Math.max(1, hits - w.tokens + 1)
        return { ...w, remaining: Math.max(0, w.tokens - hits), resetMs: msUntilFreed(counted, needed, w.period * 1000, now) }
      }),
    }
    if (allowed) await this.#durable()
    return decision
  }

  /** Deletes the object's storage once every window has run out, so idle keys cost nothing. */
  override async alarm(): Promise<void> {
    await this.#durable()
    const now = Date.now()
    let lastFreed = 0
    for (const { period_ms, bucket } of this.#sql().exec<{ period_ms: number; bucket: number }>(
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
    this.#cells.clear()
    this.#expiredBelow.clear()
    this.#alarmAt = 0
  }

  /** Never goes backwards, so a clock step cannot hand quota back early. */
  #clock(at: number | undefined): number {
    this.#lastNow = Math.max(at ?? Date.now(), this.#lastNow)
    return this.#lastNow
  }

  #sql(): SqlStorage {
    if (!this.#tableReady) {
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
    return this.ctx.storage.sql
  }

  /** The cells that overlap (now − period, now], oldest first; read from storage once per object start. */
  #countedCells(periodMs: number, now: number): Cell[] {
    let cells = this.#cells.get(periodMs)
    if (!cells) {
      cells = this.#sql()
        .exec<{ bucket: number; hits: number }>('SELECT bucket, hits FROM cells WHERE period_ms = ? ORDER BY bucket', periodMs)
        .toArray()
      this.#cells.set(periodMs, cells)
    }
    const first = bucketOf(now - periodMs + 1, periodMs)
    if ((cells[0]?.bucket ?? first) < first) {
      while ((cells[0]?.bucket ?? first) < first) cells.shift()
      this.#expiredBelow.set(periodMs, first)
    }
    return cells
  }

  /** Counts one request in the current cell. */
  #count(periodMs: number, now: number, cells: Cell[]): void {
    const bucket = bucketOf(now, periodMs)
    let cell = cells.at(-1)
    if (cell?.bucket === bucket) cell.hits++
    else cells.push((cell = { bucket, hits: 1 }))
    this.#dirty.set(`${periodMs}/${bucket}`, { periodMs, cell })
  }

  /** Keeps an alarm at or after the moment every counted cell has expired; rewritten rarely. */
  #wantCleanupAfter(now: number, longestPeriodMs: number): void {
    const allFreed = now + longestPeriodMs + cellWidth(longestPeriodMs)
    if (allFreed > this.#alarmAt) this.#alarmWanted = allFreed + longestPeriodMs
  }

  /**
   * Resolves once every change made so far is durable. Changes made while a commit is in flight wait
   * for it and then share the next one.
   */
  #durable(): Promise<void> {
    this.#nextCommit ??= this.#lastCommit.then(() => {
      this.#nextCommit = undefined
      this.#write()
      return this.ctx.storage.sync()
    })
    this.#lastCommit = this.#nextCommit.catch(() => {})
    return this.#nextCommit
  }

  #write(): void {
    const sql = this.#sql()
    for (const { periodMs, cell } of this.#dirty.values()) {
      sql.exec(
        'INSERT INTO cells (period_ms, bucket, hits) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET hits = excluded.hits',
        periodMs,
        cell.bucket,
        cell.hits,
      )
    }
    this.#dirty.clear()
    for (const [periodMs, first] of this.#expiredBelow) sql.exec('DELETE FROM cells WHERE period_ms = ? AND bucket < ?', periodMs, first)
    this.#expiredBelow.clear()
    if (this.#alarmWanted > this.#alarmAt) {
      this.#alarmAt = this.#alarmWanted
      void this.ctx.storage.setAlarm(this.#alarmAt)
    }
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
