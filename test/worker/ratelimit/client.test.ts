/**
 * The Worker's side: leases, deny-cache and deadlines, with isolates played by the test (each with
 * its own memory) against the real limiter objects, on a clock the test moves.
 */
import { env } from 'cloudflare:workers'
import { evictDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { RateWindow } from '../../../src/credentials/records.ts'
import { admit, isolateMemory, LimiterUnavailable, objectName } from '../../../src/ratelimit/client.ts'
import type { LimiterNamespace, Verdict } from '../../../src/ratelimit/client.ts'
import { busiestWindow } from '../../../scripts/bench/stats.ts'
import { countingNamespace, playIsolate, TestClock } from './support.ts'

let apps = 0
const newApp = () => `client-${++apps}`
/** On a second, in the future of the real clock, so the objects' cleanup alarms never fire meanwhile. */
const start = () => Math.ceil((Date.now() + 600_000) / 1000) * 1000

type Isolate = ReturnType<typeof playIsolate>

/**
 * Plays `ms` milliseconds of traffic: every `stepMs`, isolate i sends perStep[i] concurrent requests.
 * Background calls are answered within the step. Returns the admission times per isolate.
 */
async function drive(isolates: Isolate[], app: string, windows: RateWindow[], clock: TestClock, settled: () => Promise<void>, ms: number, perStep: number[], stepMs = 1) {
  const admitted: number[][] = isolates.map(() => [])
  const tiers: Record<string, number> = {}
  for (let t = 0; t < ms; t += stepMs) {
    await Promise.all(
      isolates.map(async (isolate, i) => {
        const verdicts = await Promise.all(
          Array.from({ length: perStep[i] ?? 0 }, async () => {
            try {
              return await isolate.admit(app, windows)
            } catch (error) {
              if (error instanceof LimiterUnavailable) return undefined
              throw error
            }
          }),
        )
        for (const v of verdicts) {
          const tier = v ? `${v.tier}:${v.decision.allowed}` : 'unavailable'
          tiers[tier] = (tiers[tier] ?? 0) + 1
          if (v?.decision.allowed) admitted[i]!.push(clock.now())
        }
      }),
    )
    await settled()
    clock.advance(stepMs)
  }
  return { admitted, tiers }
}

describe('leases', { timeout: 30_000 }, () => {
  it('answer from memory, as a plain verdict, and renew in the background before they run out', async () => {
    const { namespace, calls, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolate = playIsolate(namespace, clock)
    const windows = [{ tokens: 1_000_000, period: 60 }]
    const app = newApp()
    const { admitted, tiers } = await drive([isolate], app, windows, clock, settled, 2000, [2])
    expect(admitted[0]).toHaveLength(4000)
    // A few calls while the isolate learns its rate, then renewals only, about two per lease.
    expect(calls.length).toBeLessThan(40)
    expect(calls.filter((c) => c.admit).length).toBeLessThan(30)
    expect(tiers['lease:true']).toBeGreaterThan(3950)

    const verdict = isolate.admit(app, windows)
    expect(verdict).not.toBeInstanceOf(Promise)
    expect((verdict as Verdict).tier).toBe('lease')
  })

  it('carry estimated headers: remaining counts down with each admission of the isolate', async () => {
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolate = playIsolate(namespace, clock)
    const windows = [{ tokens: 10_000, period: 60 }]
    const app = newApp()
    await drive([isolate], app, windows, clock, settled, 50, [1])
    const a = isolate.admit(app, windows) as Verdict
    const b = isolate.admit(app, windows) as Verdict
    expect([a.tier, b.tier]).toEqual(['lease', 'lease'])
    expect(b.decision.windows[0]!.remaining).toBe(a.decision.windows[0]!.remaining - 1)
    // 52 admitted so far; the estimate never claims more than the object could still give.
    expect(b.decision.windows[0]!.remaining).toBeLessThanOrEqual(10_000 - 52)
  })

  it('go back to the object when traffic stops: unspent tokens return', async () => {
    const { namespace, calls, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolate = playIsolate(namespace, clock)
    const windows = [{ tokens: 1000, period: 60 }]
    const app = newApp()
    const { admitted } = await drive([isolate], app, windows, clock, settled, 100, [1])
    // Idle past the lease's close time (0.8 of it), before its expiry.
    clock.advance(350)
    await settled()
    expect(calls.at(-1)?.lease?.close).toBe(true)
    // Nothing is held any more: the object counts exactly what was admitted.
    const check = await env.RATE_LIMITER.getByName(objectName({ app, resource: 'operate_node' })).acquire({ windows, admit: false, at: clock.now() })
    expect(check).toMatchObject({ decision: { windows: [{ remaining: 1000 - admitted[0]!.length }] } })
  })

  it('are given back when the limits change: the new windows count only what they admit', async () => {
    const { namespace, calls, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolate = playIsolate(namespace, clock)
    const app = newApp()
    await drive([isolate], app, [{ tokens: 1000, period: 60 }], clock, settled, 100, [1])
    const closes = () => calls.filter((c) => c.lease?.close).length
    expect(closes()).toBe(0)

    // As after `app set-rate <code> 1/2m`: one call in two minutes.
    const tighter = [{ tokens: 1, period: 120 }]
    expect(await isolate.admit(app, tighter)).toMatchObject({ tier: 'object', decision: { allowed: true } })
    expect(closes()).toBe(1)
    await settled()
    expect((await isolate.admit(app, tighter)).decision.allowed).toBe(false)
  })

  it('are exact under concurrency across several isolates: no window passes the limit', async () => {
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const limit = { tokens: 50, period: 1 }
    const isolates = [1, 2, 3].map(() => playIsolate(namespace, clock))
    const { admitted } = await drive(isolates, newApp(), [limit], clock, settled, 3000, [3, 2, 1])
    const all = admitted.flat()
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(50)
    // A perfect limiter admits 150 in three seconds; leases may cost a little of it, not much.
    expect(all.length).toBeGreaterThanOrEqual(140)
  })

  it('are exact when isolates holding leases together pass the limit', async () => {
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const limit = { tokens: 600, period: 1 }
    // Each alone would fit in the limit and is lent tokens; together they ask for 1,500 a second.
    const isolates = [1, 2, 3].map(() => playIsolate(namespace, clock))
    const { admitted, tiers } = await drive(isolates, newApp(), [limit], clock, settled, 3000, [1, 1, 1], 2)
    expect(tiers['lease:true']).toBeGreaterThan(300)
    const all = admitted.flat()
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(600)
    expect(all.length).toBeGreaterThanOrEqual(0.9 * 1800)
  })

  it('stay exact when the object restarts in the middle of a lease', async () => {
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const [a, b] = [playIsolate(namespace, clock), playIsolate(namespace, clock)]
    const limit = { tokens: 600, period: 1 }
    const app = newApp()
    const first = await drive([a!, b!], app, [limit], clock, settled, 150, [1, 0])
    expect(first.tiers['lease:true']).toBeGreaterThan(100)
    await evictDurableObject(env.RATE_LIMITER.getByName(objectName({ app, resource: 'operate_node' })))
    // a goes on spending its lease; b asks the restarted object, which must still count a's lease.
    const second = await drive([a!, b!], app, [limit], clock, settled, 1100, [1, 1])
    const all = [...first.admitted.flat(), ...second.admitted.flat()]
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(600)
    expect(busiestWindow(all, 1000)).toBeGreaterThan(570)
  })

  it('that expire unreturned (the isolate is gone) count as spent until their expiry, then for one period', async () => {
    const lost = countingNamespace()
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const [a, b] = [playIsolate(lost.namespace, clock), playIsolate(namespace, clock)]
    const limit = { tokens: 300, period: 1 }
    const app = newApp()
    const before = await drive([a!], app, [limit], clock, lost.settled, 60, [1], 2)
    expect(before.tiers['lease:true']).toBeGreaterThan(10)
    lost.cut() // a's renewals and close never arrive
    const flood = await drive([a!, b!], app, [limit], clock, settled, 2500, [1, 1], 2)
    const all = [...before.admitted[0]!, ...flood.admitted.flat()]
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(300)
    // Until a's lease has left the window (expired at about 0.5 s, counted for 1 s) b pays for it;
    // in the last second it has the whole limit.
    const end = clock.now()
    const bIn = (from: number) => flood.admitted[1]!.filter((t) => t > end - 1000 - from && t <= end - from).length
    expect(bIn(0)).toBeGreaterThanOrEqual(290)
    expect(bIn(1400)).toBeLessThan(bIn(0) - 50)
  })

  it('are never taken up again once closed, even when an answer for one arrives after its close', async () => {
    const { namespace, calls, settled } = countingNamespace()
    let held: (() => void)[] | undefined
    // Answers are held back while `held` is set; the object has decided every call already.
    const gated: LimiterNamespace = {
      getByName: (name) => ({
        acquire: async (request) => {
          const answer = await namespace.getByName(name).acquire(request)
          if (held) await new Promise<void>((release) => held!.push(release))
          return answer
        },
      }),
    }
    const clock = new TestClock(start())
    const isolate = playIsolate(gated, clock)
    const windows = [{ tokens: 1000, period: 60 }]
    const app = newApp()
    await drive([isolate], app, windows, clock, settled, 200, [1], 10)
    held = []
    // Spend the lease to its end: a renewal starts (held), then a request asks for itself (held).
    let verdict = isolate.admit(app, windows)
    while (!(verdict instanceof Promise)) verdict = isolate.admit(app, windows)
    // Idle until the lease's close time: the close reaches the object after both calls.
    while (!calls.at(-1)?.lease?.close) {
      clock.advance(10)
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    const release = held
    held = undefined
    for (const r of release) r()
    await verdict
    await settled()
    // The late answers extended a lease the isolate had closed: nothing of it may be spent again.
    expect(isolate.admit(app, windows)).toBeInstanceOf(Promise)
  })

  it('are fair between two isolates: equal demand gets about equal shares', async () => {
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolates = [playIsolate(namespace, clock), playIsolate(namespace, clock)]
    const { admitted } = await drive(isolates, newApp(), [{ tokens: 300, period: 1 }], clock, settled, 2000, [1, 1], 2)
    const [a, b] = admitted.map((times) => times.length)
    expect(a! / (a! + b!)).toBeGreaterThan(0.35)
    expect(a! / (a! + b!)).toBeLessThan(0.65)
  })

  it('never let a greedy isolate starve a modest one', async () => {
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolates = [playIsolate(namespace, clock), playIsolate(namespace, clock)]
    const { admitted } = await drive(isolates, newApp(), [{ tokens: 300, period: 1 }], clock, settled, 2000, [10, 1])
    const [greedy, modest] = admitted.map((times) => times.length)
    // The modest isolate makes a eleventh of the demand; it gets most of that share of what passes.
    expect(modest! / (greedy! + modest!)).toBeGreaterThan(0.06)
  })
})

describe('refusals', { timeout: 30_000 }, () => {
  it('never spend quota: after a flood of them the whole limit is there again', async () => {
    const { namespace, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolate = playIsolate(namespace, clock)
    const limit = { tokens: 20, period: 1 }
    const app = newApp()
    const flood = await drive([isolate], app, [limit], clock, settled, 1000, [5])
    expect(flood.admitted[0]).toHaveLength(20)
    expect(flood.tiers['deny-cache:false']).toBeGreaterThan(4500)
    clock.advance(1100)
    const after = await drive([isolate], app, [limit], clock, settled, 200, [1])
    expect(after.admitted[0]).toHaveLength(20)
  })

  it('are answered by the deny-cache under a flood: one object call per reset per isolate', async () => {
    const { namespace, calls, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolate = playIsolate(namespace, clock)
    const limit = { tokens: 20, period: 1 }
    const { admitted } = await drive([isolate], newApp(), [limit], clock, settled, 3000, [10])
    expect(admitted[0]!.length).toBeGreaterThanOrEqual(50)
    // 30,000 requests; the object hears of about one per admission or reset.
    expect(calls.length).toBeLessThan(3 * admitted[0]!.length)
  })

  it('let one request ask the object once the cached refusal runs out, and refuse the others meanwhile', async () => {
    const { namespace, calls, settled } = countingNamespace()
    const clock = new TestClock(start())
    const isolate = playIsolate(namespace, clock)
    const limit = [{ tokens: 2, period: 1 }]
    const app = newApp()
    await drive([isolate], app, limit, clock, settled, 5, [1])
    const callsBefore = calls.length
    const refusal = isolate.admit(app, limit) as Verdict
    expect(refusal.tier).toBe('deny-cache')
    clock.advance(refusal.decision.windows[0]!.resetMs)
    const burst = [1, 2, 3, 4, 5].map(() => isolate.admit(app, limit))
    expect(burst.filter((v) => v instanceof Promise)).toHaveLength(1)
    expect(burst.slice(1).map((v) => (v as Verdict).tier)).toEqual(['deny-cache', 'deny-cache', 'deny-cache', 'deny-cache'])
    expect((await burst[0]!).decision.allowed).toBe(true)
    expect(calls.length).toBe(callsBefore + 1)
  })
})

describe('an object that fails', () => {
  const failing = (acquire: () => Promise<never>): LimiterNamespace => ({ getByName: () => ({ acquire }) })
  const options = (namespace: LimiterNamespace, timeoutMs = 5000) => ({
    namespace,
    timeoutMs,
    leaseMs: 500,
    waitUntil: () => undefined,
    memory: isolateMemory(),
  })
  const key = () => ({ app: newApp(), resource: 'operate_node' })

  it('is reported as unavailable when it throws', async () => {
    const namespace = failing(() => Promise.reject(new Error('Durable Object is overloaded')))
    await expect(admit(key(), [{ tokens: 5, period: 1 }], options(namespace))).rejects.toThrow(LimiterUnavailable)
  })

  it('is reported as unavailable when it does not answer in time', async () => {
    const namespace = failing(() => new Promise<never>(() => {}))
    await expect(admit(key(), [{ tokens: 5, period: 1 }], options(namespace, 20))).rejects.toThrow(/no answer within 20 ms/)
  })

  it('is reported as unavailable when the binding is not a namespace', async () => {
    const namespace = {} as LimiterNamespace
    await expect(admit(key(), [{ tokens: 5, period: 1 }], options(namespace))).rejects.toThrow(LimiterUnavailable)
  })
})
