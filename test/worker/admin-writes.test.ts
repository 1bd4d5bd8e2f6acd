/**
 * The admin endpoint stores what it validated, never what it was sent (issue 23): unknown fields and
 * `__proto__` refused by name, bodies refused past their cap before they are read, dates the gateway's.
 */
import { env } from 'cloudflare:workers'
import { type MockInstance, afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CLOCK_AHEAD_MAX_MS, RECORD_BYTES_MAX } from '../../src/http/admin.ts'
import { tokenHash } from '../../src/credentials/hash.ts'
import { appKey, tokenKey } from '../../src/credentials/records.ts'
import { callWith, seedApp, uniqueCode } from './helpers.ts'

let quiet: MockInstance<typeof console.log>
beforeAll(() => {
  quiet = vi.spyOn(console, 'log').mockImplementation(() => {})
})
afterAll(() => quiet.mockRestore())

const ADMIN_TOKEN = 'test-admin-token'

const admin = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
  callWith({ ADMIN_TOKEN }, `/_admin${path}`, { method, ...init, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } })

interface Answer {
  code_name?: string
  message: string
  errors?: { path: string; message: string }[]
}
const answer = async (res: Response) => (await res.json()) as Answer

/** A valid app record of a fresh app, as the CLI would send it, and its key. */
async function freshApp() {
  const code = uniqueCode('admin-write')
  const record = await seedApp(code)
  await env.CREDENTIALS.delete(appKey(code))
  return { key: appKey(code), record }
}

const stored = async (key: string) => JSON.parse((await env.CREDENTIALS.get(key)) ?? 'null') as Record<string, unknown> | null

describe('a written record', () => {
  it('is refused with each unknown field named, and nothing is stored', async () => {
    const { key, record } = await freshApp()
    const res = await admin('PUT', `/credentials/${key}`, {
      body: { ...record, note: 'x'.repeat(1000), permissions: { ...record.permissions, admin: true } },
    })
    expect(res.status).toBe(400)
    const { code_name, errors } = await answer(res)
    expect(code_name).toBe('REQUEST_PARAM_INVALID')
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'record', message: expect.stringContaining('"note"') },
        { path: 'permissions', message: expect.stringContaining('"admin"') },
      ]),
    )
    expect(await stored(key)).toBeNull()
  })

  it('is refused when it carries a __proto__ key, at any depth', async () => {
    const { key, record } = await freshApp()
    const { permissions, ...rest } = record
    for (const text of [
      JSON.stringify(record).replace(/^\{/, '{"__proto__": {"disabled": false},'),
      JSON.stringify({ ...rest, permissions: {} }).replace('"permissions":{}', `"permissions":{"__proto__":{},${JSON.stringify(permissions).slice(1)}`),
    ]) {
      const res = await admin('PUT', `/credentials/${key}`, { body: text })
      expect(res.status).toBe(400)
      expect((await answer(res)).message).toContain('__proto__')
    }
    expect(await stored(key)).toBeNull()
  })

  it('is stored as validated, defaults filled in, dated by the gateway', async () => {
    const { key, record } = await freshApp()
    const { disabled: _disabled, updated_at: _updatedAt, ...sent } = record
    const before = Date.now()
    // The key percent-encoded, as the CLI sends it.
    const res = await admin('PUT', `/credentials/${encodeURIComponent(key)}`, { body: { ...sent, updated_at: '2999-01-01T00:00:00.000Z' } })
    expect(res.status).toBe(200)
    const { updated_at, ...kept } = (await stored(key))!
    expect(kept).toEqual({ ...sent, disabled: false })
    expect(Date.parse(updated_at as string)).toBeGreaterThanOrEqual(before)
    expect(Date.parse(updated_at as string)).toBeLessThanOrEqual(Date.now())
  })

  it('is refused when it was created later than the gateway clock allows', async () => {
    const { key, record } = await freshApp()
    const later = new Date(Date.now() + CLOCK_AHEAD_MAX_MS + 60_000).toISOString()
    const app = await admin('PUT', `/credentials/${key}`, { body: { ...record, created_at: later } })
    expect(app.status).toBe(400)
    expect((await answer(app)).errors).toEqual([{ path: 'created_at', message: expect.stringContaining("gateway's clock") }])
    expect(await stored(key)).toBeNull()

    const token = tokenKey(await tokenHash(uniqueCode('token')))
    const body = { version: 1, username: 'alice', expires_at: Date.now() + 3_600_000, created_at: later }
    expect((await admin('PUT', `/credentials/${token}`, { body })).status).toBe(400)
    expect((await admin('PUT', `/credentials/${token}`, { body: { ...body, created_at: new Date().toISOString() } })).status).toBe(200)
    expect(await stored(token)).toEqual({ ...body, created_at: expect.any(String) })
  })

  it('is refused when the body is not JSON', async () => {
    const { key, record } = await freshApp()
    expect((await admin('PUT', `/credentials/${key}`, { body: '{"version": 1,' })).status).toBe(400)
    const asText = await admin('PUT', `/credentials/${key}`, { body: JSON.stringify(record), headers: { 'Content-Type': 'text/plain' } })
    expect(asText.status).toBe(400)
    expect(await stored(key)).toBeNull()
  })
})

/** A body of `total` bytes, streamed in 64 KiB chunks, that counts how much of it was pulled. */
function streamed(total: number) {
  const chunk = new TextEncoder().encode(' '.repeat(64 * 1024))
  const counter = { pulled: 0 }
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close()
      counter.pulled += chunk.byteLength
      controller.enqueue(chunk)
    },
  })
  return { body, counter }
}

describe('a huge body', () => {
  const THIRTY_MB = 30 * 1024 * 1024

  it('streamed without a length is refused once past the cap, the rest drained only to its bound', async () => {
    const { key } = await freshApp()
    const { body, counter } = streamed(THIRTY_MB)
    const res = await admin('PUT', `/credentials/${key}`, { body })
    expect(res.status).toBe(413)
    expect((await answer(res)).code_name).toBe('BODY_SIZE_LIMIT_EXCEED')
    // The cap, then what is drained so the refusal reaches a caller still sending (../../src/middleware/drain-body.ts):
    // four body limits at most, each chunk dropped as it is read, plus what the stream had queued.
    expect(counter.pulled).toBeLessThanOrEqual(RECORD_BYTES_MAX + 4 * 1024 * 1024 + 2 * 64 * 1024)
  })

  it('declared in Content-Length is refused unread', async () => {
    const { key } = await freshApp()
    const { body, counter } = streamed(THIRTY_MB)
    const res = await admin('PUT', `/credentials/${key}`, { body, headers: { 'Content-Length': String(THIRTY_MB) } })
    expect(res.status).toBe(413)
    expect(counter.pulled).toBeLessThanOrEqual(64 * 1024)
  })
})

describe('the bearer check', () => {
  it('refuses a missing, malformed or wrong token with the same 403', async () => {
    for (const authorization of ['', 'Basic dGVzdA==', `Bearer ${ADMIN_TOKEN} extra`, 'Bearer wrong', `bearer ${ADMIN_TOKEN}x`]) {
      const res = await callWith({ ADMIN_TOKEN }, '/_admin/credentials', { headers: authorization ? { Authorization: authorization } : {} })
      expect(res.status, authorization).toBe(403)
      expect((await answer(res)).code_name).toBe('APP_NO_PERMISSION')
    }
  })

  it('refuses a listing prefix longer than any key', async () => {
    const res = await admin('GET', `/credentials?prefix=${'a'.repeat(513)}`)
    expect(res.status).toBe(400)
    expect((await answer(res)).errors).toEqual([{ path: 'prefix', message: expect.any(String) }])
  })
})
