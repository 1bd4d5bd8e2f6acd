/**
 * One window's count of admitted requests, kept as BUCKETS cells of P/BUCKETS. A request at `now`
 * counts every cell that overlaps (now − P, now], the oldest one whole. That over-counts and never
 * under-counts, so in any interval of P at most `tokens` requests pass; the price is that a unit of
 * quota comes back up to P/BUCKETS later than a perfect log would give it back.
 */

/** Cells per window: 1 s windows count in 10 ms cells, 60 s windows in 600 ms cells. */
const BUCKETS = 100

export interface Cell {
  bucket: number
  hits: number
}

export const cellWidth = (periodMs: number) => periodMs / BUCKETS
const bucketOf = (t: number, periodMs: number) => Math.floor(t / cellWidth(periodMs))
/** First instant at which the cell no longer overlaps the window. */
const cellFreedAt = (bucket: number, periodMs: number) => (bucket + 1) * cellWidth(periodMs) + periodMs - 1

/** Called with a cell's new count, or undefined once it has left the window, so the owner can store it. */
export type CellWriter = (bucket: number, hits: number | undefined) => void

export class Cells {
  readonly periodMs: number
  readonly #cells: Cell[]
  readonly #write: CellWriter
  #hits: number
  /** The oldest bucket the window overlapped at the last advance. */
  #first = -Infinity

  /** `cells` oldest first, as read back from storage. */
  constructor(periodMs: number, cells: Cell[], write: CellWriter) {
    this.periodMs = periodMs
    this.#cells = cells
    this.#write = write
    this.#hits = cells.reduce((sum, c) => sum + c.hits, 0)
  }

  /** What the cells overlapping (now − P, now] hold. */
  get hits(): number {
    return this.#hits
  }

  /** Drops the cells that no longer overlap (now − P, now]. */
  advance(now: number): void {
    const first = bucketOf(now - this.periodMs + 1, this.periodMs)
    this.#first = Math.max(this.#first, first)
    let expired = 0
    while ((this.#cells[expired]?.bucket ?? first) < first) expired++
    for (const cell of this.#cells.splice(0, expired)) {
      this.#hits -= cell.hits
      this.#write(cell.bucket, undefined)
    }
  }

  /** Counts `n` requests at `t`: now, or an earlier moment (ignored once it has left the window). */
  add(t: number, n: number): void {
    const bucket = bucketOf(t, this.periodMs)
    if (bucket < this.#first) return
    let at = this.#cells.length
    while (at > 0 && this.#cells[at - 1]!.bucket > bucket) at--
    let cell = this.#cells[at - 1]
    if (cell?.bucket === bucket) cell.hits += n
    else this.#cells.splice(at, 0, (cell = { bucket, hits: n }))
    this.#hits += n
    this.#write(bucket, cell.hits)
  }

  /** Time until the oldest cells holding `needed` hits have left the window; Infinity if they hold fewer. */
  msUntilFreed(needed: number, now: number): number {
    let freed = 0
    for (const cell of this.#cells) {
      freed += cell.hits
      if (freed >= needed) return Math.max(0, cellFreedAt(cell.bucket, this.periodMs) - now)
    }
    return needed <= 0 ? 0 : Infinity
  }

  /** When the newest cell leaves the window (0 when empty). */
  get lastFreedAt(): number {
    const newest = this.#cells.at(-1)
    return newest ? cellFreedAt(newest.bucket, this.periodMs) : 0
  }
}
