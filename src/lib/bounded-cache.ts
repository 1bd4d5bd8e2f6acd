/**
 * A per-isolate cache bounded in bytes, not only in entries: each entry's size is estimated once, when
 * it is set, and the oldest insertions are forgotten first (a Map keeps insertion order) until the
 * total is within the bound again. Keys are digests, so every key has the same small size.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>()
  readonly #maxBytes: number
  readonly #sizeOf: (key: string, value: V) => number
  #bytes = 0

  /** `sizeOf` estimates what an entry holds in memory, in bytes, key included. */
  constructor(maxBytes: number, sizeOf: (key: string, value: V) => number) {
    this.#maxBytes = maxBytes
    this.#sizeOf = sizeOf
  }

  /** The estimated size of every entry held. */
  get bytes(): number {
    return this.#bytes
  }

  get(key: string): V | undefined {
    return this.#entries.get(key)?.value
  }

  set(key: string, value: V): void {
    this.delete(key)
    const bytes = this.#sizeOf(key, value)
    if (bytes > this.#maxBytes) return
    this.#entries.set(key, { value, bytes })
    this.#bytes += bytes
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#maxBytes) break
      this.delete(oldest)
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
  }

  /** Forgets every entry whose value `matches`. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, { value }] of this.#entries) if (matches(value)) this.delete(key)
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}

/** What a string costs in a V8 heap at most (two bytes a character), with a Map entry's own overhead. */
export const stringBytes = (text: string) => 2 * text.length
export const ENTRY_OVERHEAD_BYTES = 128
