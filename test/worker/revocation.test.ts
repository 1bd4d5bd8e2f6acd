/**
 * Credentials that take effect at once (issue 11, CONTRACT §3 "Caching"): a rotated secret is accepted
 * within about a second, a revocation written through the admin endpoint reaches the isolate within the
 * bound, a flood of wrong secrets costs about one KV read a second, and the admin endpoint guards itself.
 */
import { env } from 'cloudflare:workers'
import { type MockInstance, afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { secretHash, tokenHash } from '../../src/credentials/hash.ts'
import { REVOCATION_BOUND_MS } from '../../src/credentials/feed.ts'
import { appKey, tokenKey } from '../../src/credentials/records.ts'
import { authHeader, callWith, fakeOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'

// The admin endpoint writes an audit line per call; the test that checks them spies on its own.
let quiet: MockInstance<typeof console.log>
beforeAll(() => {
  quiet = vi.spyOn(console, 'log').mockImplementation(() => {})
})
afterAll(() => quiet.mockRestore())

const ADMIN_TOKEN = 'test-admin-token'
const vars = { ORIGIN_URL: fakeOrigin('ok'), ADMIN_TOKEN }
const GATEWAY_FORM = '/api/bk-sops/prod/operate_node/2/12/'
const operation = { node_id: 'n1', action: 'skip' }

const status = async (credentials: Record<string, string>, overrides: Partial<typeof env> = {}) => {
  const res = await callWith({ ...vars, ...overrides }, GATEWAY_FORM, { headers: authHeader(credentials), body: operation })
  await res.arrayBuffer()
  return res.status
}

const admin = (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
  callWith(vars, `/_admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body }),
  })

/** Polls `check` every 100 ms until it holds; the milliseconds it took. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return Date.now() - started
}

const storedApp = async (code: string) => JSON.parse((await env.CREDENTIALS.get(appKey(code))) ?? 'null')

describe('a new secret works at once', () => {
  it('is accepted within about a second of a rotation written straight to KV', async () => {
    const code = uniqueCode('rotate')
    await seedApp(code, { userExempt: true, secrets: ['old-secret'] })
    expect(await status({ bk_app_code: code, bk_app_secret: 'old-secret', bk_username: 'a' })).toBe(200)

    const record = await storedApp(code)
    record.secrets.push({ hash: await secretHash(env.CREDENTIAL_PEPPER, code, 'new-secret'), created_at: new Date().toISOString() })
    await env.CREDENTIALS.put(appKey(code), JSON.stringify(record))
    const took = await within(1_500, async () => (await status({ bk_app_code: code, bk_app_secret: 'new-secret', bk_username: 'a' })) === 200)
    expect(took).toBeLessThan(1_500)
  })

  it('reads a token created after it was found absent within about a second', async () => {
    const code = uniqueCode('late-token')
    await seedApp(code)
    const as = { bk_app_code: code, bk_app_secret: 'secret', bk_token: 'late-token' }
    expect(await status(as)).toBe(400)
    await seedToken('late-token', 'alice')
    expect(await within(1_500, async () => (await status(as)) === 200)).toBeLessThan(1_500)
  })

  it('costs about one KV read a second per app under a flood of wrong secrets', async () => {
    const code = uniqueCode('flood')
    await seedApp(code, { userExempt: true })
    let reads = 0
    const counting = {
      get: (key: string, type: 'json') => {
        if (key === appKey(code)) reads++
        return env.CREDENTIALS.get(key, type)
      },
    } as unknown as KVNamespace
    expect(await status({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'a' }, { CREDENTIALS: counting })).toBe(200)
    reads = 0
    const started = Date.now()
    let refused = 0
    while (Date.now() - started < 2_000) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => status({ bk_app_code: code, bk_app_secret: 'wrong', bk_username: 'a' }, { CREDENTIALS: counting })),
      )
      refused += batch.filter((s) => s === 400).length
    }
    const seconds = (Date.now() - started) / 1000
    expect(refused).toBeGreaterThan(100)
    expect(reads).toBeLessThanOrEqual(Math.ceil(seconds) + 1)
  })
})

describe('revocations reach the isolate within the bound', () => {
  it('refuses a retired secret, a disabled app, a narrowed grant and a revoked token', { timeout: 30_000 }, async () => {
    const [retiring, disabling, narrowing] = [uniqueCode('retire'), uniqueCode('disable'), uniqueCode('narrow')]
    await seedApp(retiring, { userExempt: true, secrets: ['old', 'new'] })
    await seedApp(disabling, { userExempt: true })
    await seedApp(narrowing, { userExempt: true })
    await seedToken('doomed-token', 'bob')
    const calls = {
      retired: { bk_app_code: retiring, bk_app_secret: 'old', bk_username: 'a' },
      disabled: { bk_app_code: disabling, bk_app_secret: 'secret', bk_username: 'a' },
      narrowed: { bk_app_code: narrowing, bk_app_secret: 'secret', bk_username: 'a' },
      revoked: { bk_app_code: disabling, bk_app_secret: 'secret', bk_token: 'doomed-token' },
    }
    // Cached in the isolate, for AUTH_CACHE_TTL_MS (30 s) if nothing told it otherwise.
    for (const credentials of Object.values(calls)) expect(await status(credentials)).toBe(200)

    const retired = await storedApp(retiring)
    retired.secrets.shift()
    const narrowed = await storedApp(narrowing)
    narrowed.permissions.biz = ['3']
    const written = Date.now()
    for (const res of await Promise.all([
      admin('PUT', `/credentials/${appKey(retiring)}`, retired),
      admin('PUT', `/credentials/${appKey(narrowing)}`, narrowed),
      admin('DELETE', `/credentials/${tokenKey(await tokenHash('doomed-token'))}`),
    ])) {
      expect(res.status).toBe(200)
    }
    // The token's app is disabled last, so the token call above is refused for the token, not the app.
    const doomed = { ...calls.revoked, bk_app_code: uniqueCode('token-app') }
    await seedApp(doomed.bk_app_code)
    const disabled = await storedApp(disabling)
    disabled.disabled = true
    expect((await admin('PUT', `/credentials/${appKey(disabling)}`, disabled)).status).toBe(200)

    const refusedAll = async () => {
      const results = await Promise.all([status(calls.retired), status(calls.disabled), status(calls.narrowed), status(doomed)])
      return results.every((s) => s === 400 || s === 403)
    }
    await within(REVOCATION_BOUND_MS, refusedAll)
    expect(Date.now() - written).toBeLessThanOrEqual(REVOCATION_BOUND_MS + 1_000)
  })
})

describe('the admin endpoint', () => {
  it('does not exist without ADMIN_TOKEN, and refuses a wrong token', async () => {
    const res = await callWith({ ADMIN_TOKEN: '' }, '/_admin/credentials', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.status).toBe(404)
    for (const token of ['wrong', '', `${ADMIN_TOKEN}x`]) {
      const refused = await admin('GET', '/credentials', undefined, token)
      expect(refused.status).toBe(403)
      expect(((await refused.json()) as { code_name: string }).code_name).toBe('APP_NO_PERMISSION')
    }
  })

  it('reads, writes and deletes records, checked with the gateway schema, and logs an audit line per call', async () => {
    quiet.mockClear()
    const code = uniqueCode('admin')
    const record = await seedApp(code)
    const listed = (await (await admin('GET', '/credentials?prefix=app:admin')).json()) as { data: string[] }
    expect(listed.data).toContain(appKey(code))
    expect(((await (await admin('GET', `/credentials/${appKey(code)}`)).json()) as { data: unknown }).data).toEqual(record)

    const invalid = await admin('PUT', `/credentials/${appKey(code)}`, { ...record, secrets: [] })
    expect(invalid.status).toBe(400)
    const mismatched = await admin('PUT', `/credentials/${appKey(code)}`, { ...record, bk_app_code: 'other' })
    expect(((await mismatched.json()) as { message: string }).message).toContain('bk_app_code: must match the key')
    expect((await admin('PUT', '/credentials/not-a-key', record)).status).toBe(400)

    expect((await admin('DELETE', `/credentials/${appKey(code)}`)).status).toBe(200)
    expect(await env.CREDENTIALS.get(appKey(code))).toBeNull()

    const lines = quiet.mock.calls.map(([line]) => line as Record<string, unknown>)
    expect(lines.filter((l) => l.audit === 'admin')).toHaveLength(6)
    expect(JSON.stringify(lines)).not.toContain(record.secrets[0]!.hash)
  })

  it("hashes a new app secret with the gateway's own pepper, and takes nothing else", async () => {
    const code = uniqueCode('hashed')
    const res = await admin('POST', '/secret-hash', { bk_app_code: code, bk_app_secret: 'new-secret' })
    expect(res.status).toBe(200)
    const { data } = await res.json<{ data: { hash: string } }>()
    expect(data.hash).toBe(await secretHash(env.CREDENTIAL_PEPPER, code, 'new-secret'))
    for (const body of [{ bk_app_code: code }, { bk_app_code: code, bk_app_secret: '' }, { bk_app_code: code, bk_app_secret: 's', extra: 1 }]) {
      const refused = await admin('POST', '/secret-hash', body)
      expect(refused.status, JSON.stringify(body)).toBe(400)
      await refused.arrayBuffer()
    }
    const wrongToken = await admin('POST', '/secret-hash', { bk_app_code: code, bk_app_secret: 'new-secret' }, 'not-the-token')
    expect(wrongToken.status).toBe(403)
    expect(await wrongToken.text()).not.toContain(data.hash)
  })

  it('answers no CORS preflight', async () => {
    const res = await callWith({ ...vars, CORS_ORIGINS: '*' }, '/_admin/credentials', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    })
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull()
    expect(res.headers.get('Access-Control-Allow-Headers')).toBeNull()
  })
})
