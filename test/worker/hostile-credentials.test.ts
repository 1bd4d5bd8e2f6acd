/**
 * Credentials as an attacker sends them (issue 23): huge values are refused before any cache keeps
 * them, caches stay within their bytes whatever the values, and unknown app codes cost KV a bounded
 * number of reads without evicting a known app.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LOOKUP_BURST } from '../../src/credentials/lookup-budget.ts'
import { sha256Hex } from '../../src/credentials/hash.ts'
import { CACHE_MAX_BYTES, cachedBytes, remember } from '../../src/credentials/store.ts'
import { authHeader, callWith, exemptApp, fakeOrigin, seedApp, uniqueCode } from './helpers.ts'

const ESB_FORM = '/api/c/compapi/v2/sops/operate_node/'
const operation = { bk_biz_id: '2', task_id: '12', node_id: 'n1', action: 'skip' }
const vars = { ORIGIN_URL: fakeOrigin('ok') }

/** The KV binding, counting the reads of app records. */
function countingKv() {
  const counter = { appReads: 0 }
  const kv = {
    get: (key: string, type: 'json') => {
      if (key.startsWith('app:')) counter.appReads++
      return env.CREDENTIALS.get(key, type)
    },
  } as unknown as KVNamespace
  return { kv, counter }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('a huge credential value', () => {
  it('is refused before any cache: 1,000 distinct 900 KB tokens and usernames leave the caches as they were', { timeout: 120_000 }, async () => {
    const code = uniqueCode('huge')
    await seedApp(code, { userExempt: true })
    const huge = (i: number) => `${i}`.padEnd(900 * 1024, 'x')
    // A first call of each kind caches what a valid call does, so the ones after must add nothing.
    for (const credentials of [{ bk_token: 'unknown' }, { bk_username: 'admin' }]) {
      await callWith(vars, ESB_FORM, { body: { ...operation, bk_app_code: code, bk_app_secret: 'secret', ...credentials } })
    }
    const before = cachedBytes()
    for (let i = 0; i < 1_000; i++) {
      for (const credentials of [{ bk_token: huge(i) }, { bk_username: huge(i) }]) {
        const res = await callWith(vars, ESB_FORM, { body: { ...operation, bk_app_code: code, bk_app_secret: 'secret', ...credentials } })
        expect(res.status).toBe(400)
        const { code_name, message } = (await res.json()) as { code_name: string; message: string }
        expect(code_name).toBe('INVALID_ARGS')
        expect(message.length).toBeLessThan(200)
      }
    }
    expect(cachedBytes()).toEqual(before)
  })

  it('of 129 characters is refused, one of 128 is looked up', async () => {
    const { code } = await exemptApp()
    const as = (credentials: Record<string, string>) =>
      callWith(vars, ESB_FORM, { body: { ...operation, bk_app_code: code, bk_app_secret: 'secret', ...credentials } })
    expect((await as({ bk_username: 'u'.repeat(128) })).status).toBe(200)
    expect((await as({ bk_username: 'u'.repeat(129) })).status).toBe(400)
    const token = await as({ bk_token: 't'.repeat(129) })
    expect(((await token.json()) as { message: string }).message).toContain('bk_token is not valid')
  })
})

describe('many distinct values of a valid length', () => {
  it('keep the caches within their bytes', { timeout: 120_000 }, async () => {
    const code = uniqueCode('many')
    await seedApp(code)
    for (let i = 0; i < 5_000; i++) {
      const bk_token = `${i}-`.padEnd(128, 'y')
      const res = await callWith(vars, ESB_FORM, { body: { ...operation, bk_app_code: code, bk_app_secret: 'secret', bk_token } })
      expect(res.status).toBe(400)
    }
    const held = cachedBytes()
    // 5,000 absent tokens would take more than the bound: the cache is full, and no fuller.
    expect(held.absent).toBeLessThanOrEqual(CACHE_MAX_BYTES.absent)
    expect(held.absent).toBeGreaterThan(CACHE_MAX_BYTES.absent * 0.9)
    expect(held.apps).toBeLessThanOrEqual(CACHE_MAX_BYTES.apps)
    expect(held.tokens).toBeLessThanOrEqual(CACHE_MAX_BYTES.tokens)
  })

  it('accepted ones keep the memory of verified credential sets within its bytes', async () => {
    // As many distinct sets as accepted calls with 10,000 usernames would leave: more than the bound holds.
    const app = { key: await sha256Hex('some app'), serial: 1 }
    for (let i = 0; i < 10_000; i++) remember(await sha256Hex(`set ${i}`), { app, token: null })
    const held = cachedBytes()
    expect(held.verified).toBeLessThanOrEqual(CACHE_MAX_BYTES.verified)
    expect(held.verified).toBeGreaterThan(CACHE_MAX_BYTES.verified * 0.9)
  })
})

describe('unknown app codes', () => {
  it('cost a bounded number of KV reads, and never evict a known app', { timeout: 120_000 }, async () => {
    // The clock stands still: the budget cannot refill, so its burst is the whole bound.
    vi.useFakeTimers({ toFake: ['Date'] })
    const known = await exemptApp()
    const { kv, counter } = countingKv()
    const call = (headers: Record<string, string>, client = '198.51.100.7') =>
      callWith({ ...vars, CREDENTIALS: kv }, ESB_FORM, { headers: { ...headers, 'CF-Connecting-IP': client }, body: operation })
    expect((await call(known.headers)).status).toBe(200)

    counter.appReads = 0
    for (let i = 0; i < 5_000; i++) {
      const res = await call(authHeader({ bk_app_code: `nobody-${i}`, bk_app_secret: 'secret', bk_username: 'a' }))
      expect(res.status).toBe(400)
    }
    expect(counter.appReads).toBeLessThanOrEqual(LOOKUP_BURST)

    // The known app is still answered from the isolate's memory; another client still has its budget.
    const again = await call(known.headers)
    expect(again.status).toBe(200)
    expect(again.headers.get('Server-Timing')).toContain('auth;desc="isolate"')
    const other = await exemptApp()
    expect((await call(other.headers, '203.0.113.9')).status).toBe(200)
  })

  it("do not stop a client's burst of calls for its own app on a cold isolate", async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const code = uniqueCode('burst')
    await seedApp(code, { userExempt: true })
    const headers = { ...authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'a' }), 'CF-Connecting-IP': '198.51.100.8' }
    const statuses = await Promise.all(
      Array.from({ length: LOOKUP_BURST * 5 }, async () => (await callWith(vars, ESB_FORM, { headers, body: operation })).status),
    )
    expect(statuses.every((s) => s === 200)).toBe(true)
  })
})
