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
 * concurrency, and answered at once. The changed cells are written with `allowUnconfirmed`, so no answer
 * waits for a commit (a failed commit resets the object instead); the changes made while one commit is
 * in flight go together into the next, so there is one commit per flush rather than one per admission.
 * A reset therefore forgets at most the admissions of the last two commits' latency. The writes go
 * through the key-value API because writes through the SQL API always hold the output gate, i.e. every
 * answer until they are durable.
 */
import { DurableObject } from 'cloudflare:workers'
import * as z from 'zod'
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

/** Answers may leave before the write is durable; a failed commit resets the object. */
const UNCONFIRMED = { allowUnconfirmed: true }

/** Storage keys of a period's cells: `<period ms>/<bucket>`. */
const cellPrefix = (periodMs: number) => `${periodMs}/`
const cellWidth = (periodMs: number) => periodMs / BUCKETS
const bucketOf = (t: number, periodMs: number) => Math.floor(t / cellWidth(periodMs))
/** First instant at which the cell no longer overlaps the window (see the module comment). */
const cellFreedAt = (bucket: number, periodMs: number) => (bucket + 1) * cellWidth(periodMs) + periodMs - 1

export class RateLimiter extends DurableObject {
  #lastNow = 0
  /** Per period in ms: the cells that may still be counted, oldest first; the truth while the object lives. */
  readonly #cells = new Map<number, Cell[]>()
  /** Cells changed since the last write: their hits, or undefined once they have left every window. */
  readonly #unwritten = new Map<string, number | undefined>()
  #writing: Promise<void> | undefined
  #alarmAt = 0

  /**
   * Admits the request if every window has room for it, and then counts it in every window; otherwise
   * counts nothing. The decision is made synchronously, so concurrent calls cannot interleave.
   */
  decide(request: DecideRequest): Decision {
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
    // Every admission must be in storage before storage is read; no await follows the loop.
    while (this.#writing) await this.#writing
    let lastFreed = 0
    for (const [key] of this.ctx.storage.kv.list()) {
      const [periodMs = 0, bucket = 0] = key.split('/').map(Number)
      lastFreed = Math.max(lastFreed, cellFreedAt(bucket, periodMs))
    }
    if (lastFreed > Date.now()) {
      this.#alarmAt = lastFreed
      await this.ctx.storage.setAlarm(lastFreed, UNCONFIRMED)
      return
    }
    this.#cells.clear()
    this.#alarmAt = 0
    await this.ctx.storage.deleteAll()
  }

  /** Never goes backwards, so a clock step cannot hand quota back early. */
  #clock(at: number | undefined): number {
    this.#lastNow = Math.max(at ?? Date.now(), this.#lastNow)
    return this.#lastNow
  }

  /** The cells that overlap (now − period, now], oldest first; read from storage once per object start. */
  #countedCells(periodMs: number, now: number): Cell[] {
    let cells = this.#cells.get(periodMs)
    if (!cells) {
      const prefix = cellPrefix(periodMs)
      cells = [...this.ctx.storage.kv.list<number>({ prefix })]
        .map(([key, hits]) => ({ bucket: Number(key.slice(prefix.length)), hits }))
        .sort((a, b) => a.bucket - b.bucket)
      this.#cells.set(periodMs, cells)
    }
    const first = bucketOf(now - periodMs + 1, periodMs)
    let expired = 0
    while ((cells[expired]?.bucket ?? first) < first) expired++
    for (const cell of cells.splice(0, expired)) this.#persist(cellPrefix(periodMs) + cell.bucket, undefined)
    return cells
  }

  /** Counts one request in the current cell. */
  #count(periodMs: number, now: number, cells: Cell[]): void {
    const bucket = bucketOf(now, periodMs)
    let cell = cells.at(-1)
    if (cell?.bucket === bucket) cell.hits++
    else cells.push((cell = { bucket, hits: 1 }))
    this.#persist(cellPrefix(periodMs) + bucket, cell.hits)
  }

  /** Writes the change, with every other one made meanwhile, once the commit in flight is confirmed. */
  #persist(key: string, hits: number | undefined): void {
    this.#unwritten.set(key, hits)
    this.#writing ??= this.ctx.storage.sync().then(() => {
      this.#writing = undefined
      for (const [key, hits] of this.#unwritten) {
        if (hits === undefined) void this.ctx.storage.delete(key, UNCONFIRMED)
        else void this.ctx.storage.put(key, hits, UNCONFIRMED)
      }
      this.#unwritten.clear()
    })
  }

  /** Keeps an alarm at or after the moment every counted cell has expired; rewritten rarely. */
  #wantCleanupAfter(now: number, longestPeriodMs: number): void {
    const allFreed = now + longestPeriodMs + cellWidth(longestPeriodMs)
    if (allFreed <= this.#alarmAt) return
    this.#alarmAt = allFreed + longestPeriodMs
    void this.ctx.storage.setAlarm(this.#alarmAt, UNCONFIRMED)
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
