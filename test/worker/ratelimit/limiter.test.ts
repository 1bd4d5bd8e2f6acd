/** The limiter object on its own: exactness, sliding windows, all-or-nothing, restarts, cleanup. */
import { env } from 'cloudflare:workers'
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { RateWindow } from '../../../src/credentials/records.ts'

let keys = 0
/** A fresh object per test: storage is shared by the whole file. */
const limiter = () => env.RATE_LIMITER.getByName(`test/${++keys}`)
/** A base time in the future of the real clock, so cleanup alarms never fire during a test. */
const base = () => Date.now() + 600_000

async function send(stub: ReturnType<typeof limiter>, windows: RateWindow[], at: number, count = 1) {
  const decisions = []
  for (let i = 0; i < count; i++) decisions.push(await stub.decide({ windows, at }))
  return decisions
}
const admitted = (decisions: { allowed: boolean }[]) => decisions.filter((d) => d.allowed).length

describe('limiter object', () => {
  it('admits exactly the limit out of 200 concurrent requests', async () => {
    const stub = limiter()
    const decisions = await Promise.all(Array.from({ length: 200 }, () => stub.decide({ windows: [{ tokens: 50, period: 60 }] })))
    expect(admitted(decisions)).toBe(50)
  })

  it('does not let a burst at a window edge pass twice the limit', async () => {
    const stub = limiter()
    const t0 = Math.ceil(base() / 1000) * 1000
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
    for (let t = t0; t < t0 + 4000; t += 7) if ((await stub.decide({ windows, at: t })).allowed) times.push(t)
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
    expect(refused[4]?.windows.map((w) => w.remaining)).toEqual([0, 15])

    for (const second of [1, 2, 3]) expect(admitted(await send(stub, windows, t0 + second * 1100, 5))).toBe(5)
    // 20 in the last minute: refused by the 60 s window, which leaves the 1 s window untouched.
    const [fourth] = await send(stub, windows, t0 + 4400)
    expect(fourth?.allowed).toBe(false)
    expect(fourth?.windows.map((w) => w.remaining)).toEqual([5, 0])
    expect(fourth?.windows[1]?.resetMs).toBeGreaterThan(55_000)
  })

  it('counts down remaining and reset', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [{ tokens: 5, period: 10 }]
    const seen = []
    for (const dt of [0, 2000, 4000, 6000]) seen.push((await stub.decide({ windows, at: t0 + dt })).windows[0])
    expect(seen.map((w) => w?.remaining)).toEqual([4, 3, 2, 1])
    const resets = seen.map((w) => w?.resetMs ?? NaN)
    expect(resets[0]).toBeGreaterThan(9_000)
    expect(resets[0]).toBeLessThanOrEqual(10_100)
    for (let i = 1; i < resets.length; i++) expect(resets[i]).toBe((resets[i - 1] ?? NaN) - 2000)
  })

  it('keeps its confirmed counts when the object is evicted mid-window', async () => {
    const stub = limiter()
    const t0 = base()
    const windows = [
      { tokens: 5, period: 1 },
      { tokens: 8, period: 60 },
    ]
    expect(admitted(await send(stub, windows, t0, 3))).toBe(3)
    expect(admitted(await send(stub, windows, t0 + 1500, 3))).toBe(3)
    // Only admissions whose write is confirmed survive a reset. The alarm first waits for the object's
    // pending writes; then wait until they are durable.
    await runDurableObjectAlarm(stub)
    await runInDurableObject(stub, (_, state) => state.storage.sync())
    await evictDurableObject(stub)
    const fresh = env.RATE_LIMITER.get(stub.id)
    // 1 s window: the first three have left it, the last three still count; 60 s window: all six do.
    const [first] = await send(fresh, windows, t0 + 1600)
    expect(first?.windows.map((w) => w.remaining)).toEqual([1, 1])
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

  it('refuses malformed windows with a clear error', async () => {
    const stub = limiter()
    // Caught at once: an RPC promise rejected later is also reported as unhandled.
    const failure = (windows: RateWindow[]) => stub.decide({ windows }).then(() => undefined, (error: unknown) => error)
    expect(await failure([])).toMatchObject({ message: expect.stringMatching(/windows/) })
    expect(await failure([{ tokens: 0, period: 1 }])).toMatchObject({ message: expect.stringMatching(/tokens/) })
  })

  it('deletes its storage once every window has run out', async () => {
    const stub = limiter()
    // Decided two minutes ago: by now every cell has expired.
    await send(stub, [{ tokens: 5, period: 60 }], Date.now() - 120_000, 2)
    await runDurableObjectAlarm(stub)
    expect(await runInDurableObject(stub, (_, state) => [...state.storage.kv.list()])).toEqual([])
    // And it starts again from nothing.
    expect(admitted(await send(stub, [{ tokens: 5, period: 60 }], Date.now(), 6))).toBe(5)
  })
})
