/**
 * Per-isolate memory of keys whose limiter object has no room: until it may have room again, the
 * isolate refuses by itself (a refusal consumes nothing, so the answer cannot change sooner, short of a
 * lease coming back). Then one request asks the object while the others are still refused, so a
 * runaway caller costs its object one call per reset per isolate instead of one per request.
 */
import type { Decision, WindowState } from './protocol.ts'

interface Entry {
  windows: WindowState[]
  decidedAt: number
  until: number
  /** A request is asking the object (the probe) until its answer, or this moment at the latest. */
  probeUntil: number
}

/** Bounded so that a flood of distinct keys cannot grow the isolate's memory without limit. */
const MAX_ENTRIES = 10_000

export class DenyCache {
  readonly #entries = new Map<string, Entry>()

  /** Remembers an answer that left no room in some window, until one more request may pass; else forgets the key. */
  learn(name: string, decision: Decision, now: number): void {
    const exhausted = decision.windows.filter((w) => w.remaining === 0)
    const resetMs = Math.max(...exhausted.map((w) => w.resetMs))
    if (!(resetMs > 0)) {
      this.#entries.delete(name)
      return
    }
    if (this.#entries.size >= MAX_ENTRIES) this.#evict(now)
    this.#entries.set(name, { windows: decision.windows, decidedAt: now, until: now + resetMs, probeUntil: 0 })
  }

  forget(name: string): void {
    this.#entries.delete(name)
  }

  /**
   * The remembered refusal, its reset times aged to `now`. Once it has run out, the first caller gets
   * undefined and asks the object; the others are refused until that answer, or `probeMs` at most.
   */
  refusal(name: string, now: number, probeMs: number): Decision | undefined {
    const entry = this.#entries.get(name)
    if (!entry) return undefined
    if (now >= entry.until && now >= entry.probeUntil) {
      entry.probeUntil = now + probeMs
      return undefined
    }
    const elapsed = now - entry.decidedAt
    return { allowed: false, windows: entry.windows.map((w) => ({ ...w, resetMs: Math.max(0, w.resetMs - elapsed) })) }
  }

  /** Drops entries that have run out; if none had, the oldest one. */
  #evict(now: number): void {
    for (const [name, entry] of this.#entries) if (now >= entry.until && now >= entry.probeUntil) this.#entries.delete(name)
    const oldest = this.#entries.keys().next()
    if (this.#entries.size >= MAX_ENTRIES && !oldest.done) this.#entries.delete(oldest.value)
  }
}
