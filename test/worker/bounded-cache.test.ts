/** The per-isolate caches' bound: in bytes, whatever the entries, the oldest forgotten first. */
import { describe, expect, it } from 'vitest'
import { BoundedCache } from '../../src/lib/bounded-cache.ts'

const sized = (maxBytes: number) => new BoundedCache<string>(maxBytes, (key, value) => key.length + value.length)

describe('BoundedCache', () => {
  it('never holds more bytes than its bound, forgetting the oldest entries first', () => {
    const cache = sized(1_000)
    for (let i = 0; i < 500; i++) {
      cache.set(`k${i}`.padEnd(10, '-'), 'v'.repeat(90))
      expect(cache.bytes).toBeLessThanOrEqual(1_000)
    }
    expect(cache.bytes).toBe(1_000)
    expect(cache.get('k489'.padEnd(10, '-'))).toBeUndefined()
    expect(cache.get('k490'.padEnd(10, '-'))).toBeDefined()
  })

  it('does not keep an entry larger than the bound, nor forget the others for it', () => {
    const cache = sized(100)
    cache.set('a', 'x'.repeat(10))
    cache.set('b', 'x'.repeat(1_000))
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBe('x'.repeat(10))
    expect(cache.bytes).toBe(11)
  })

  it('counts what it forgets, by key, by value or all at once', () => {
    const cache = sized(1_000)
    cache.set('a', 'keep')
    cache.set('b', 'drop')
    cache.set('a', 'kept')
    expect(cache.bytes).toBe(10)
    cache.deleteWhere((value) => value === 'drop')
    expect(cache.bytes).toBe(5)
    cache.delete('a')
    expect(cache.bytes).toBe(0)
    cache.set('c', 'x')
    cache.clear()
    expect([cache.bytes, cache.get('c')]).toEqual([0, undefined])
  })
})
