/**
 * One object of an app's keys on its own: atomic claims, restarts, the in-flight bound, expiry by alarm.
 * Time is the test's own (each call's `at`), an hour ahead of the wall clock so no real alarm fires.
 */
import { env } from 'cloudflare:workers'
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Claim, StoredOutcome } from '../../src/idempotency/record.ts'

let keys = 0
/** A fresh object per test: storage is shared by the whole file. */
const record = () => env.IDEMPOTENCY_KEYS.getByName(`record-test/${++keys}`)

const claim = (token: string, overrides: Partial<Claim> = {}): Claim => ({ key: 'k', fingerprint: 'f1', token, inFlightMs: 60_000, ttlMs: 60_000, ...overrides })
const outcome: StoredOutcome = {
  status: 200,
  headers: { 'Sops-Trace-Id': 'a'.repeat(32) },
  envelope: { result: true, code: 0, message: 'success', data: 'success', request_id: 'first' },
}
let now = 0
beforeEach(() => {
  now = Date.now() + 3_600_000
})
const stored = (stub: ReturnType<typeof record>) =>
  runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM keys').one().n)

describe('idempotency record object', () => {
  it('lets exactly one of 200 concurrent claims hold the key', async () => {
    const stub = record()
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stub.claim(claim(`t${i}`), now)))
    expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'in-flight')).toHaveLength(199)
  })

  it('replays the outcome to the same request and refuses another one', async () => {
    const stub = record()
    await stub.claim(claim('first'), now)
    expect(await stub.complete('k', 'first', outcome, now)).toBe(true)
    expect(await stub.claim(claim('second'), now)).toEqual({ status: 'replay', outcome })
    expect(await stub.claim(claim('third', { fingerprint: 'f2' }), now)).toEqual({ status: 'reused' })
    // An outcome is stored once: neither another call nor the same one changes it.
    expect(await stub.complete('k', 'second', { ...outcome, status: 504 }, now)).toBe(false)
    expect(await stub.complete('k', 'first', { ...outcome, status: 504 }, now)).toBe(false)
  })

  it('keeps a claim and an outcome across a restart of the object', async () => {
    const stub = record()
    await stub.claim(claim('first'), now)
    await evictDurableObject(stub)
    expect(await stub.claim(claim('second'), now)).toEqual({ status: 'in-flight' })
    await stub.complete('k', 'first', outcome, now)
    await evictDurableObject(stub)
    expect(await stub.claim(claim('third'), now)).toEqual({ status: 'replay', outcome })
  })

  it('frees the key only for the call that claimed it, and only before it completed', async () => {
    const stub = record()
    await stub.claim(claim('first'), now)
    await stub.release('k', 'someone-else', now)
    expect(await stub.claim(claim('second'), now)).toEqual({ status: 'in-flight' })
    await stub.release('k', 'first', now)
    expect(await stub.claim(claim('third'), now)).toEqual({ status: 'claimed' })
    await stub.complete('k', 'third', outcome, now)
    await stub.release('k', 'third', now)
    expect((await stub.claim(claim('fourth'), now)).status).toBe('replay')
  })

  it('presumes a claim lost past its bound, and never lets it run again', async () => {
    const stub = record()
    await stub.claim(claim('dead', { inFlightMs: 100 }), now)
    expect(await stub.claim(claim('second'), now)).toEqual({ status: 'in-flight' })
    now += 150
    expect(await stub.claim(claim('third'), now)).toEqual({ status: 'lost' })
    await evictDurableObject(stub)
    expect(await stub.claim(claim('fourth'), now)).toEqual({ status: 'lost' })
  })

  it('expires a record after its TTL, swept by an alarm', async () => {
    const stub = record()
    await stub.claim(claim('first', { ttlMs: 300 }), now)
    await stub.complete('k', 'first', outcome, now)
    await stub.claim(claim('other', { key: 'other', ttlMs: 60_000 }), now)
    // An early alarm keeps the records, and comes back later.
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stored(stub)).toBe(2)
    expect(await stub.claim(claim('second'), now)).toEqual({ status: 'replay', outcome })
    now += 350
    await stub.release('nothing', 'moves the clock', now)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stored(stub)).toBe(1)
    expect(await stub.claim(claim('third', { fingerprint: 'f2' }), now)).toEqual({ status: 'claimed' })
  })

  it('treats an expired record as gone even before its alarm has run', async () => {
    const stub = record()
    await stub.claim(claim('first', { ttlMs: 100 }), now)
    await stub.complete('k', 'first', outcome, now)
    now += 150
    expect(await stub.claim(claim('second', { fingerprint: 'f2' }), now)).toEqual({ status: 'claimed' })
  })

  it('sweeps a claim that never completed once its bound and TTL have passed, with an alarm set to then', async () => {
    const stub = record()
    await stub.claim(claim('dead', { inFlightMs: 100, ttlMs: 100 }), now)
    expect(await stored(stub)).toBe(1)
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(now + 200)
    now += 200
    await stub.release('nothing', 'moves the clock', now)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stored(stub)).toBe(0)
    expect(await runDurableObjectAlarm(stub)).toBe(false)
  })

  it('keeps the keys of one object apart', async () => {
    const stub = record()
    await stub.claim(claim('a', { key: 'a' }), now)
    expect(await stub.claim(claim('b', { key: 'b', fingerprint: 'f2' }), now)).toEqual({ status: 'claimed' })
    await stub.complete('a', 'a', outcome, now)
    expect(await stub.claim(claim('b2', { key: 'b', fingerprint: 'f2' }), now)).toEqual({ status: 'in-flight' })
    expect(await stub.claim(claim('a2', { key: 'a' }), now)).toEqual({ status: 'replay', outcome })
  })
})
