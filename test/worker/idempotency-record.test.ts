/** One object of an app's keys on its own: atomic claims, restarts, the in-flight bound, expiry by alarm. */
import { env } from 'cloudflare:workers'
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const stored = (stub: ReturnType<typeof record>) =>
  runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM keys').one().n)

describe('idempotency record object', () => {
  it('lets exactly one of 200 concurrent claims hold the key', async () => {
    const stub = record()
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stub.claim(claim(`t${i}`))))
    expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'in-flight')).toHaveLength(199)
  })

  it('replays the outcome to the same request and refuses another one', async () => {
    const stub = record()
    await stub.claim(claim('first'))
    expect(await stub.complete('k', 'first', outcome)).toBe(true)
    expect(await stub.claim(claim('second'))).toEqual({ status: 'replay', outcome })
    expect(await stub.claim(claim('third', { fingerprint: 'f2' }))).toEqual({ status: 'reused' })
    // An outcome is stored once: neither another call nor the same one changes it.
    expect(await stub.complete('k', 'second', { ...outcome, status: 504 })).toBe(false)
    expect(await stub.complete('k', 'first', { ...outcome, status: 504 })).toBe(false)
  })

  it('keeps a claim and an outcome across a restart of the object', async () => {
    const stub = record()
    await stub.claim(claim('first'))
    await evictDurableObject(stub)
    expect(await stub.claim(claim('second'))).toEqual({ status: 'in-flight' })
    await stub.complete('k', 'first', outcome)
    await evictDurableObject(stub)
    expect(await stub.claim(claim('third'))).toEqual({ status: 'replay', outcome })
  })

  it('frees the key only for the call that claimed it, and only before it completed', async () => {
    const stub = record()
    await stub.claim(claim('first'))
    await stub.release('k', 'someone-else')
    expect(await stub.claim(claim('second'))).toEqual({ status: 'in-flight' })
    await stub.release('k', 'first')
    expect(await stub.claim(claim('third'))).toEqual({ status: 'claimed' })
    await stub.complete('k', 'third', outcome)
    await stub.release('k', 'third')
    expect((await stub.claim(claim('fourth'))).status).toBe('replay')
  })

  it('presumes a claim lost past its bound, and never lets it run again', async () => {
    const stub = record()
    await stub.claim(claim('dead', { inFlightMs: 100 }))
    expect(await stub.claim(claim('second'))).toEqual({ status: 'in-flight' })
    await sleep(150)
    expect(await stub.claim(claim('third'))).toEqual({ status: 'lost' })
    await evictDurableObject(stub)
    expect(await stub.claim(claim('fourth'))).toEqual({ status: 'lost' })
  })

  it('expires a record after its TTL, swept by an alarm', async () => {
    const stub = record()
    await stub.claim(claim('first', { ttlMs: 300 }))
    await stub.complete('k', 'first', outcome)
    await stub.claim(claim('other', { key: 'other', ttlMs: 60_000 }))
    // An early alarm keeps the records, and comes back later.
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stored(stub)).toBe(2)
    expect(await stub.claim(claim('second'))).toEqual({ status: 'replay', outcome })
    await sleep(350)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stored(stub)).toBe(1)
    expect(await stub.claim(claim('third', { fingerprint: 'f2' }))).toEqual({ status: 'claimed' })
  })

  it('treats an expired record as gone even before its alarm has run', async () => {
    const stub = record()
    await stub.claim(claim('first', { ttlMs: 100 }))
    await stub.complete('k', 'first', outcome)
    await sleep(150)
    expect(await stub.claim(claim('second', { fingerprint: 'f2' }))).toEqual({ status: 'claimed' })
  })

  it('sweeps a claim that never completed once its bound and TTL have passed, with an alarm set to then', async () => {
    const stub = record()
    await stub.claim(claim('dead', { inFlightMs: 100, ttlMs: 100 }))
    expect(await stored(stub)).toBe(1)
    await vi.waitFor(async () => expect(await stored(stub)).toBe(0), { timeout: 2000, interval: 50 })
    expect(await runDurableObjectAlarm(stub)).toBe(false)
  })

  it('keeps the keys of one object apart', async () => {
    const stub = record()
    await stub.claim(claim('a', { key: 'a' }))
    expect(await stub.claim(claim('b', { key: 'b', fingerprint: 'f2' }))).toEqual({ status: 'claimed' })
    await stub.complete('a', 'a', outcome)
    expect(await stub.claim(claim('b2', { key: 'b', fingerprint: 'f2' }))).toEqual({ status: 'in-flight' })
    expect(await stub.claim(claim('a2', { key: 'a' }))).toEqual({ status: 'replay', outcome })
  })
})
