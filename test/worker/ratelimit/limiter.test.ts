/** The limiter object on its own: exact sliding windows, all-or-nothing, leases, restarts, cleanup. */
import { env } from 'cloudflare:workers'
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { RateWindow } from '../../../src/credentials/records.ts'
import { FAIR_SHARE_DIVISOR } from '../../../src/ratelimit/limiter.ts'
import type { AcquireRequest, Decision, LeaseRequest } from '../../../src/ratelimit/protocol.ts'
import { acquire } from './support.ts'

let keys = 0
/** A fresh object per test: storage is shared by the whole file. */
const limiter = () => env.RATE_LIMITER.getByName(`test/${++keys}`)
type Stub = ReturnType<typeof limiter>
/** A base time in the future of the real clock (and on a second), so cleanup alarms never fire during a test. */
const base = () => Math.ceil((Date.now() + 600_000) / 1000) * 1000

async function send(stub: Stub, windows: RateWindow[], at: number, count = 1): Promise<Decision[]> {
  const decisions = []
  for (let i = 0; i < count; i++) decisions.push((await acquire(stub, { windows, admit: true, at })).decision)
  return decisions
}
const admitted = (decisions: { allowed: boolean }[]) => decisions.filter((d) => d.allowed).length
const remaining = (decision: Decision) => decision.windows.map((w) => w.remaining)

/** A lease call without a waiting request. */
const leaseCall = (stub: Stub, windows: RateWindow[], at: number, lease: Partial<LeaseRequest> & { want?: number }) =>
  acquire(stub, { windows, admit: false, at, lease: { spent: 0, want: 0, ms: 500, ...lease } })

describe('limiter object', () => {
  it('admits exactly the limit out of 200 concurrent requests', async () => {
    const stub = limiter()
    const answers = await Promise.all(Array.from({ length: 200 }, () => acquire(stub, { windows: [{ tokens: 50, period: 60 }], admit: true })))
    expect(admitted(answers.map((a) => a.decision))).toBe(50)
  })

  it('does not let a burst at a window edge pass twice the limit', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [{ tokens: 10, period: 1 }]
    expect(admitted(await send(stub, windows, t0 + 990, 10))).toBe(10)
    // A fixed window would reset at t0 + 1000 and admit ten more here.
    expect(admitted(await send(stub, windows, t0 + 1010, 10))).toBe(0)
  })

  it('never admits more than the limit in any interval of one period, and not far less', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [{ tokens: 10, period: 1 }]
    const times: number[] = []
    for (let t = t0; t < t0 + 4000; t += 7) if ((await send(stub, windows, t))[0]?.allowed) times.push(t)
    for (const end of times) expect(times.filter((t) => t > end - 1000 && t <= end).length).toBeLessThanOrEqual(10)
    // A perfect sliding log admits 40 here; the 10 ms cells may hand quota back a little later.
    expect(times.length).toBeGreaterThanOrEqual(36)
  })

  it('does not count a refused request', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [{ tokens: 5, period: 1 }]
    expect(admitted(await send(stub, windows, t0, 5))).toBe(5)
    let last
    for (let t = t0 + 100; t < t0 + 1000; t += 45) [last] = await send(stub, windows, t)
    expect(last?.allowed).toBe(false)
    const freedAt = t0 + 955 + (last?.windows[0]?.resetMs ?? NaN)
    expect(admitted(await send(stub, windows, freedAt - 1))).toBe(0)
    // Twenty refusals later, the whole quota comes back when the first five leave the window.
    expect(admitted(await send(stub, windows, freedAt, 6))).toBe(5)
  })

  it('evaluates several windows all-or-nothing', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [
      { tokens: 5, period: 1 },
      { tokens: 20, period: 60 },
    ]
    expect(admitted(await send(stub, windows, t0, 5))).toBe(5)
    // Refused by the 1 s window: the 60 s window must not be charged for these.
    const refused = await send(stub, windows, t0 + 500, 5)
    expect(admitted(refused)).toBe(0)
    expect(remaining(refused[4]!)).toEqual([0, 15])

    for (const second of [1, 2, 3]) expect(admitted(await send(stub, windows, t0 + second * 1100, 5))).toBe(5)
    // 20 in the last minute: refused by the 60 s window, which leaves the 1 s window untouched.
    const [fourth] = await send(stub, windows, t0 + 4400)
    expect(fourth?.allowed).toBe(false)
    expect(remaining(fourth!)).toEqual([5, 0])
    expect(fourth?.windows[1]?.resetMs).toBeGreaterThan(55_000)
  })

  it('counts down remaining and reset', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [{ tokens: 5, period: 10 }]
    const seen = []
    for (const dt of [0, 2000, 4000, 6000]) seen.push((await send(stub, windows, t0 + dt))[0]!.windows[0])
    expect(seen.map((w) => w?.remaining)).toEqual([4, 3, 2, 1])
    const resets = seen.map((w) => w?.resetMs ?? NaN)
    expect(resets[0]).toBeGreaterThan(9_000)
    expect(resets[0]).toBeLessThanOrEqual(10_100)
    for (let i = 1; i < resets.length; i++) expect(resets[i]).toBe((resets[i - 1] ?? NaN) - 2000)
  })

  it('remembers every admission it answered when it restarts mid-window', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [
      { tokens: 5, period: 1 },
      { tokens: 8, period: 60 },
    ]
    expect(admitted(await send(stub, windows, t0, 3))).toBe(3)
    expect(admitted(await send(stub, windows, t0 + 1500, 3))).toBe(3)
    // No answer leaves before its write is durable, so nothing needs to be waited for here.
    await evictDurableObject(stub)
    const fresh = env.RATE_LIMITER.get(stub.id)
    // 1 s window: the first three have left it, the last three still count; 60 s window: all six do.
    const [first] = await send(fresh, windows, t0 + 1600)
    expect(remaining(first!)).toEqual([1, 1])
    expect(admitted(await send(fresh, windows, t0 + 1700, 3))).toBe(1)
  })

  it('applies a lowered limit to what is already counted', async () => {
    const stub = limiter()
    const t0 = base()
    expect(admitted(await send(stub, [{ tokens: 10, period: 60 }], t0, 6))).toBe(6)
    const [after] = await send(stub, [{ tokens: 4, period: 60 }], t0 + 1)
    expect(after?.allowed).toBe(false)
    expect(after?.windows[0]?.remaining).toBe(0)
  })

  it('answers a malformed request with what is wrong, without throwing', async () => {
    const stub = limiter()
    const rejected = (request: unknown) => stub.acquire(request as AcquireRequest)
    expect(await rejected({ windows: [], admit: true })).toEqual({ rejected: expect.stringMatching(/windows/) })
    expect(await rejected({ windows: [{ tokens: 0, period: 1 }], admit: true })).toEqual({ rejected: expect.stringMatching(/tokens/) })
    expect(await rejected({ windows: [{ tokens: 1, period: 1 }], admit: true, lease: { spent: -1, want: 1, ms: 500 } })).toEqual({
      rejected: expect.stringMatching(/lease\.spent/),
    })
    expect(await rejected({ windows: [{ tokens: 1, period: 1 }], admit: true, lease: { spent: 0, want: 1, ms: 60_000 } })).toEqual({
      rejected: expect.stringMatching(/lease\.ms/),
    })
  })

  it('deletes its storage once every window has run out and no lease is open', async () => {
    const stub = limiter()
    const windows = [{ tokens: 20, period: 60 }]
    // Decided two minutes ago: by now every cell and the lease have expired.
    const past = Date.now() - 120_000
    await send(stub, windows, past, 2)
    expect((await leaseCall(stub, windows, past, { want: 2 })).lease?.tokens).toBe(2)
    await runDurableObjectAlarm(stub)
    expect(await runInDurableObject(stub, (_, state) => [...state.storage.kv.list()])).toEqual([])
    // And it starts again from nothing.
    expect(admitted(await send(stub, windows, Date.now(), 21))).toBe(20)
  })

  it('cleans up when the alarm is the first thing a fresh object does', async () => {
    const stub = limiter()
    const past = Date.now() - 120_000
    await send(stub, [{ tokens: 20, period: 60 }], past, 2)
    await send(stub, [{ tokens: 20, period: 1 }], past, 2)
    await evictDurableObject(stub)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await runInDurableObject(stub, (_, state) => [...state.storage.kv.list()])).toEqual([])
  })
})

describe('leases', () => {
  const windows = [{ tokens: 100, period: 1 }]

  it("count their unspent tokens as spent, count what is reported when it is reported, and give the rest back on close", async () => {
    const stub = limiter()
    const t0 = base()
    const opened = await leaseCall(stub, windows, t0, { want: 20 })
    expect(opened.lease).toMatchObject({ tokens: 20, ms: 500 })
    expect(remaining(opened.decision)).toEqual([80])
    const id = opened.lease!.id

    // Eight spent so far, still open: 8 counted, 12 still held.
    const renewed = await leaseCall(stub, windows, t0 + 100, { id, spent: 8, want: 12 })
    expect(renewed.lease).toEqual({ id, tokens: 0, ms: 500 })
    expect(remaining(renewed.decision)).toEqual([80])
    // Closed after fifteen: the five unspent come back.
    const closed = await leaseCall(stub, windows, t0 + 200, { id, spent: 15, close: true })
    expect(closed.lease).toBeUndefined()
    expect(remaining(closed.decision)).toEqual([85])
    // A closed lease is never opened again.
    expect((await leaseCall(stub, windows, t0 + 210, { id, spent: 15, want: 10 })).lease).toBeUndefined()
    expect(remaining((await send(stub, windows, t0 + 220))[0]!)).toEqual([84])
  })

  it('hold no more than a fair share of what is free, so a greedy isolate cannot take it all', async () => {
    const stub = limiter()
    const t0 = base()
    const plenty = [{ tokens: 1000, period: 1 }]
    let free = 1000
    for (let holder = 1; holder <= 8; holder++) {
      const answer = await leaseCall(stub, plenty, t0, { want: 150 })
      const share = Math.floor(free / Math.max(FAIR_SHARE_DIVISOR, holder))
      expect(answer.lease?.tokens).toBe(Math.min(150, share))
      free -= Math.min(150, share)
      expect(remaining(answer.decision)).toEqual([free])
    }
    // Each took a share of what was left, never all of it: a ninth isolate still finds quota.
    expect(free).toBeGreaterThan(100)
  })

  it('lend nothing to a holder that would exhaust the window within one lease: tokens go one request at a time', async () => {
    const stub = limiter()
    const t0 = base()
    const small = [{ tokens: 20, period: 60 }]
    const opened = await acquire(stub, { windows: small, admit: true, at: t0, lease: { spent: 0, want: 4, ms: 500 } })
    // Admitted, then 4 of the 19 left (its share would be 4 too).
    expect(opened.decision.allowed).toBe(true)
    expect(opened.lease?.tokens).toBe(4)
    // It spends them, and now wants more than is free: admitted, nothing lent.
    const next = await acquire(stub, { windows: small, admit: true, at: t0 + 1, lease: { id: opened.lease!.id, spent: 4, want: 50, ms: 500 } })
    expect(next.decision.allowed).toBe(true)
    expect(next.lease?.tokens).toBe(0)
    expect(remaining(next.decision)).toEqual([14])
    // A new holder as greedy is not even given a lease.
    const greedy = await acquire(stub, { windows: small, admit: true, at: t0 + 2, lease: { spent: 0, want: 14, ms: 500 } })
    expect(greedy.decision.allowed).toBe(true)
    expect(greedy.lease).toBeUndefined()
  })

  it('that expire unreturned count as wholly spent at their expiry, for one period', async () => {
    const stub = limiter()
    const t0 = base()
    const opened = await leaseCall(stub, windows, t0, { want: 25 })
    expect(opened.lease?.tokens).toBe(25)
    // The holder vanished. Past the expiry the 25 count as spent at t0 + 500 ...
    const [after] = await send(stub, windows, t0 + 600)
    expect(remaining(after!)).toEqual([74])
    // ... and its late report changes nothing: the lease is gone.
    expect((await leaseCall(stub, windows, t0 + 700, { id: opened.lease!.id, spent: 3, want: 5 })).lease).toBeUndefined()
    // They leave the window with the cell of t0 + 500 (10 ms wide): at t0 + 1509, not before.
    expect(remaining((await send(stub, windows, t0 + 1508))[0]!)).toEqual([73])
    expect(remaining((await send(stub, windows, t0 + 1509))[0]!)).toEqual([97])
  })

  it('survive a restart of the object: an open lease still counts, and its holder goes on reporting', async () => {
    const stub = limiter()
    const t0 = base()
    const opened = await leaseCall(stub, windows, t0, { want: 25 })
    await evictDurableObject(stub)
    const fresh = env.RATE_LIMITER.get(stub.id)
    const [direct] = await send(fresh, windows, t0 + 100)
    expect(remaining(direct!)).toEqual([74])
    const renewed = await leaseCall(fresh, windows, t0 + 200, { id: opened.lease!.id, spent: 10, want: 25 })
    expect(renewed.lease).toMatchObject({ id: opened.lease!.id })
    // 10 spent and 1 direct are counted; the lease holds 15 and is topped up within its share.
    const held = 15 + (renewed.lease?.tokens ?? 0)
    expect(remaining(renewed.decision)).toEqual([100 - 11 - held])
  })

  it('refuse with a reset no later than the first lease that may come back', async () => {
    const stub = limiter()
    const t0 = base()
    const tight = [{ tokens: 8, period: 60 }]
    await leaseCall(stub, tight, t0, { want: 3 }) // 2 tokens (a quarter), expiring at t0 + 500
    expect(admitted(await send(stub, tight, t0 + 10, 7))).toBe(6)
    const [refused] = await send(stub, tight, t0 + 100)
    expect(refused?.allowed).toBe(false)
    expect(refused?.windows[0]?.resetMs).toBe(400)
  })
})
