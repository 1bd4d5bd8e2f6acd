/**
 * Per-isolate memory of limiter objects that have just refused: until the refused window gives quota
 * back, the answer cannot change (a refusal consumes nothing), so the isolate refuses by itself and a
 * runaway caller costs the object one call per reset instead of one per request.
 */
import type { Decision } from './limiter.ts'

interface Entry {
  decision: Decision
  decidedAt: number
  until: number
}

/** Bounded so that a flood of distinct keys cannot grow the isolate's memory without limit. */
const MAX_ENTRIES = 10_000

export class DenyCache {
  readonly #entries = new Map<string, Entry>()

  /** Remembers a refusal until the first moment one more request could pass. */
  remember(name: string, decision: Decision, now: number): void {
    const resetMs = Math.max(...decision.windows.filter((w) => w.remaining === 0).map((w) => w.resetMs))
    if (decision.allowed || !(resetMs > 0)) return
    if (this.#entries.size >= MAX_ENTRIES) this.#evict(now)
    this.#entries.set(name, { decision, decidedAt: now, until: now + resetMs })
  }

  /** The remembered refusal with its reset times aged to `now`, or undefined once it has run out. */
  refusal(name: string, now: number): Decision | undefined {
    const entry = this.#entries.get(name)
    if (!entry) return undefined
    if (now >= entry.until) {
      this.#entries.delete(name)
      return undefined
    }
    const elapsed = now - entry.decidedAt
    return {
      allowed: false,
      windows: entry.decision.windows.map((w) => ({ ...w, resetMs: Math.max(0, w.resetMs - elapsed) })),
    }
  }

  /** Drops expired entries; if none had expired, the oldest one. */
  #evict(now: number): void {
    for (const [name, entry] of this.#entries) if (now >= entry.until) this.#entries.delete(name)
    const oldest = this.#entries.keys().next()
    if (this.#entries.size >= MAX_ENTRIES && !oldest.done) this.#entries.delete(oldest.value)
  }
}
