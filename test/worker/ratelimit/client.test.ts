/** The Worker's side: deny-cache, shards and deadlines, through the real limiter objects. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { RateWindow } from '../../../src/credentials/records.ts'
import { consult, LimiterUnavailable } from '../../../src/ratelimit/client.ts'
import type { ConsultOptions, LimiterNamespace } from '../../../src/ratelimit/client.ts'
import { DenyCache } from '../../../src/ratelimit/deny-cache.ts'
import { MAX_SHARDS, shardCount, shardWindows } from '../../../src/ratelimit/shards.ts'

/** The real namespace, with a count of the calls that reach an object. */
function countingNamespace() {
  const calls: string[] = []
  const namespace: LimiterNamespace = {
    getByName: (name) => ({
      decide: (request) => {
        calls.push(name)
        return env.RATE_LIMITER.getByName(name).decide(request)
      },
    }),
  }
  return { namespace, calls }
}

let apps = 0
const key = () => ({ app: `client-${++apps}`, resource: 'operate_node' })
const options = (namespace: LimiterNamespace, extra: Partial<ConsultOptions> = {}): ConsultOptions => ({
  namespace,
  timeoutMs: 5000,
  shardRps: 500,
  denyCache: new DenyCache(),
  ...extra,
})

describe('deny-cache', () => {
  it('refuses a key known to be over its limit without calling its object, until the reset', async () => {
    const { namespace, calls } = countingNamespace()
    let now = Date.now()
    const opts = options(namespace, { now: () => now })
    const k = key()
    const limit = [{ tokens: 2, period: 60 }]

    const tiers = []
    for (let i = 0; i < 5; i++) {
      const verdict = await consult(k, limit, opts)
      tiers.push(`${verdict.tier}:${verdict.decision.allowed}`)
    }
    expect(tiers).toEqual(['do:true', 'do:true', 'do:false', 'isolate-cache:false', 'isolate-cache:false'])
    expect(calls).toHaveLength(3)

    // The cached refusal ages with the clock and ends when the object would give quota back.
    const first = await consult(k, limit, opts)
    now += 30_000
    const later = await consult(k, limit, opts)
    expect(later.tier).toBe('isolate-cache')
    expect(later.decision.windows[0]?.resetMs).toBe((first.decision.windows[0]?.resetMs ?? NaN) - 30_000)
    now += later.decision.windows[0]?.resetMs ?? NaN
    expect((await consult(k, limit, opts)).tier).toBe('do')
    expect(calls).toHaveLength(4)
  })
})

describe('shards', () => {
  it('split every window so that the shares add up to the limit', () => {
    const windows: RateWindow[] = [
      { tokens: 10, period: 1 },
      { tokens: 600, period: 60 },
    ]
    for (const shards of [1, 3, 4, 7]) {
      const shares = Array.from({ length: shards }, (_, s) => shardWindows(windows, shards, s))
      expect(shares.reduce((sum, w) => sum + (w[0]?.tokens ?? 0), 0)).toBe(10)
      expect(shares.reduce((sum, w) => sum + (w[1]?.tokens ?? 0), 0)).toBe(600)
    }
  })

  it('grow with the admitted rate, never past the smallest quota or the maximum', () => {
    expect(shardCount([{ tokens: 100, period: 1 }], 500)).toBe(1)
    expect(shardCount([{ tokens: 2000, period: 1 }], 500)).toBe(4)
    expect(shardCount([{ tokens: 2000, period: 1 }, { tokens: 3, period: 60 }], 500)).toBe(3)
    expect(shardCount([{ tokens: 1_000_000, period: 1 }], 500)).toBe(MAX_SHARDS)
  })

  it('spread a hot key over several objects and together admit exactly the limit', async () => {
    const { namespace, calls } = countingNamespace()
    const limit = [{ tokens: 50, period: 60 }]
    const opts = options(namespace, { shardRps: 0.25 }) // 50/60 s ≈ 0.83 req/s: four shards
    const k = key()
    const verdicts = await Promise.all(Array.from({ length: 200 }, () => consult(k, limit, opts)))
    expect(new Set(calls).size).toBe(4)
    expect(verdicts.filter((v) => v.decision.allowed)).toHaveLength(50)
    // Headers speak of the whole limit, not of one shard's share.
    for (const v of verdicts) expect(v.decision.windows[0]?.tokens).toBe(50)
  })
})

describe('an object that fails', () => {
  const failing = (decide: () => Promise<never>): LimiterNamespace => ({ getByName: () => ({ decide }) })

  it('is reported as unavailable when it throws', async () => {
    const namespace = failing(() => Promise.reject(new Error('Durable Object is overloaded')))
    await expect(consult(key(), [{ tokens: 5, period: 1 }], options(namespace))).rejects.toThrow(LimiterUnavailable)
  })

  it('is reported as unavailable when it does not answer in time', async () => {
    const namespace = failing(() => new Promise<never>(() => {}))
    const call = consult(key(), [{ tokens: 5, period: 1 }], options(namespace, { timeoutMs: 20 }))
    await expect(call).rejects.toThrow(/no answer within 20 ms/)
  })
})
