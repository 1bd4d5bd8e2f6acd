/**
 * Issue 9: the gateway as an attacker (or a broken origin) would try it, through the real pipeline and
 * the recording stand-in origin. One block per finding.
 */
import { describe, expect, it } from 'vitest'
import { authHeader, call, callWith, fakeOrigin, recordedAtOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'

const GATEWAY_FORM = '/api/bk-sops/prod/operate_node/2/12/'
const ESB_FORM = '/api/c/compapi/v2/sops/operate_node/'
const operation = { node_id: 'n1', action: 'skip' }

const code = uniqueCode()
await seedApp(code, { userExempt: true })
const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })
let ids = 0
const requestIdFor = (what: string) => `${what}-${++ids}`

const envelopeOf = async (res: Response) =>
  (await res.json()) as { result: boolean; code: number; code_name?: string; message: string; errors?: unknown[]; errors_total?: number }

describe('1. origin redirects are never followed', () => {
  it.each(['redirect-302', 'redirect-307', 'redirect-308'])('%s is a 502, and nothing reaches the new location', async (behaviour) => {
    const id = requestIdFor(behaviour)
    const res = await callWith({ ORIGIN_URL: fakeOrigin(behaviour) }, GATEWAY_FORM, { headers: { ...headers, 'X-Request-ID': id }, body: operation })
    expect(res.status).toBe(502)
    const body = await envelopeOf(res)
    expect(body.code_name).toBe('BAD_GATEWAY')
    expect(body.message).toContain(`origin answered HTTP ${behaviour.slice(-3)}, a redirect, which is not followed`)
    expect(res.headers.get('Location')).toBeNull()
    expect(await recordedAtOrigin(id)).not.toBeNull()
    expect(await recordedAtOrigin(`caught-${id}`)).toBeNull()
  })
})

describe("2. the origin's headers and status are not passed through blindly", () => {
  it("lets through SOPS's trace id only", async () => {
    const res = await callWith({ ORIGIN_URL: fakeOrigin('leaky-headers'), CORS_ORIGINS: '' }, GATEWAY_FORM, { headers, body: operation })
    expect(res.status).toBe(200)
    expect(res.headers.get('Sops-Trace-Id')).toBe('a'.repeat(32))
    for (const name of ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials', 'Location', 'Server', 'X-Origin-Secret', 'Set-Cookie', 'X-Huge']) {
      expect(res.headers.get(name), name).toBeNull()
    }
    const unsafe = await callWith({ ORIGIN_URL: fakeOrigin('unsafe-trace-id') }, GATEWAY_FORM, { headers, body: operation })
    expect(unsafe.status).toBe(200)
    expect(unsafe.headers.get('Sops-Trace-Id')).toBeNull()
  })

  it('refuses a success claimed under an error status, and keeps an error status with an error envelope', async () => {
    for (const behaviour of ['success-401', 'success-500']) {
      const res = await callWith({ ORIGIN_URL: fakeOrigin(behaviour) }, GATEWAY_FORM, { headers, body: operation })
      expect(res.status).toBe(502)
      expect((await envelopeOf(res)).message).toContain(`with an envelope saying result true`)
    }
    const failed = await callWith({ ORIGIN_URL: fakeOrigin('sops-error-500') }, GATEWAY_FORM, { headers, body: operation })
    expect(failed.status).toBe(500)
    // Its message is not ASCII ('…'): Content-Length counts bytes, not characters.
    expect(Number(failed.headers.get('Content-Length'))).toBe((await failed.clone().arrayBuffer()).byteLength)
    expect(await envelopeOf(failed)).toMatchObject({ result: false, code: 3599999 })
    expect(failed.headers.get('X-Bkapi-Error-Code')).toBeNull()
  })
})

describe('3. every header the gateway writes is bounded', () => {
  const headerBytes = (res: Response) => [...res.headers].reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0)

  it('cuts a long list of validation problems, in the message and in errors[]', async () => {
    const res = await call(GATEWAY_FORM, {
      headers,
      body: { node_id: 'n1', action: 'skip_cpg', converge_gateway_id: 'g', flow_ids: Array.from({ length: 100 }, (_, i) => ({ bad: i })) },
    })
    expect(res.status).toBe(400)
    const body = await envelopeOf(res)
    expect(body.errors).toHaveLength(20)
    expect(body.errors_total).toBe(100)
    expect(body.message).toMatch(/… and \d+ more"\]$/)
    expect(res.headers.get('X-Bkapi-Error-Message')?.length).toBeLessThanOrEqual(1024)
    expect(headerBytes(res)).toBeLessThan(4096)
  })

  it('refuses 130,000 items with one problem instead of overflowing', async () => {
    const res = await call(GATEWAY_FORM, {
      headers,
      body: { node_id: 'n1', action: 'skip_cpg', converge_gateway_id: 'g', flow_ids: Array.from({ length: 130_000 }, (_, i) => i) },
    })
    expect(res.status).toBe(400)
    expect((await envelopeOf(res)).errors).toEqual([{ path: 'flow_ids', message: 'must name at most 100 flows' }])
  })

  it('does not echo a long path', async () => {
    const path = `/api/${'p'.repeat(15_000)}/`
    const res = await call(path)
    expect(res.status).toBe(404)
    const body = await envelopeOf(res)
    expect(body.message.length).toBeLessThan(400)
    expect(headerBytes(res)).toBeLessThan(4096)
  })
})

const strictCode = uniqueCode('csrf')
await seedApp(strictCode)
await seedToken('victim-token', 'victim')

describe('4. cross-site requests cannot ride on the bk_token cookie', () => {
  const body = JSON.stringify({ bk_app_code: strictCode, bk_app_secret: 'secret', bk_biz_id: '2', task_id: 12, ...operation })
  const origin = { ORIGIN_URL: fakeOrigin('ok') }
  const cookie = { Cookie: 'bk_token=victim-token' }

  it('refuses a cookie-authenticated POST that a browser could send cross-site without a preflight', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await callWith(origin, ESB_FORM, { headers: { ...cookie, 'Content-Type': contentType }, body })
      expect(res.status, contentType).toBe(400)
      expect((await envelopeOf(res)).message).toBe(
        'Parameters error [reason="the bk_token cookie is accepted only on GET requests or with Content-Type: application/json"]',
      )
    }
  })

  it('accepts the cookie on a JSON POST and on a GET, and any Content-Type when the token is not a cookie', async () => {
    const json = await callWith(origin, ESB_FORM, { headers: { ...cookie, 'Content-Type': 'application/json; charset=utf-8' }, body })
    expect(json.status).toBe(200)
    const get = await callWith(origin, `/api/c/compapi/v2/sops/get_task_status/?bk_app_code=${strictCode}&bk_app_secret=secret&bk_biz_id=2&task_id=12`, {
      headers: cookie,
    })
    expect(get.status).toBe(200)
    const inBody = JSON.stringify({ ...JSON.parse(body), bk_token: 'victim-token' })
    expect((await callWith(origin, ESB_FORM, { headers: { 'Content-Type': 'text/plain' }, body: inBody })).status).toBe(200)
  })
})

describe("5. the origin's answer is size-capped", () => {
  it.each(['large-length', 'large-chunked'])('%s: over ORIGIN_MAX_BYTES is a 502', async (behaviour) => {
    const res = await callWith({ ORIGIN_URL: fakeOrigin(behaviour), ORIGIN_MAX_BYTES: String(1024 * 1024) }, GATEWAY_FORM, { headers, body: operation })
    expect(res.status).toBe(502)
    expect((await envelopeOf(res)).message).toContain(`origin answered more than ${1024 * 1024} bytes`)
  })

  it('relays an answer within the cap', async () => {
    const res = await callWith({ ORIGIN_URL: fakeOrigin('large-chunked') }, GATEWAY_FORM, { headers, body: operation })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { data: string }).data).toHaveLength(3 * 1024 * 1024 - 60)
  })
})

describe('6. inputs are checked before they are passed on', () => {
  const origin = { ORIGIN_URL: fakeOrigin('ok') }

  it('refuses an id of 60,000 digits without reaching the origin', async () => {
    const id = requestIdFor('long-id')
    const res = await callWith(origin, `/api/bk-sops/prod/operate_node/${'9'.repeat(60_000)}/12/`, {
      headers: { ...headers, 'X-Request-ID': id },
      body: operation,
    })
    expect(res.status).toBe(400)
    expect((await envelopeOf(res)).errors).toEqual([{ path: 'bk_biz_id', message: expect.stringContaining('must be 1 to 18 digits') }])
    expect(await recordedAtOrigin(id)).toBeNull()
  })

  it('replaces an unsafe X-Request-ID and drops an invalid traceparent', async () => {
    for (const given of ['x'.repeat(8_000), 'id with spaces', '<script>']) {
      const res = await callWith(origin, GATEWAY_FORM, { headers: { ...headers, 'X-Request-ID': given }, body: operation })
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Request-ID')).toBe(res.headers.get('X-Bkapi-Request-ID')?.replaceAll('-', ''))
    }
    for (const [traceparent, forwarded] of [
      ['<script>alert(1)</script>', false],
      ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', false],
      ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false],
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', false],
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', true],
    ] as const) {
      const id = requestIdFor('trace')
      const res = await callWith(origin, GATEWAY_FORM, { headers: { ...headers, 'X-Request-ID': id, traceparent }, body: operation })
      expect(res.status).toBe(200)
      expect((await recordedAtOrigin(id))?.headers.traceparent, traceparent).toBe(forwarded ? traceparent : undefined)
      expect(res.headers.get('traceparent')).toBeNull()
    }
  })

  it('refuses JSON nested too deep before any quota is spent', async () => {
    const limited = uniqueCode('deep')
    await seedApp(limited, { userExempt: true, rateLimits: [{ tokens: 1, period: 60 }] })
    const limitedHeaders = authHeader({ bk_app_code: limited, bk_app_secret: 'secret', bk_username: 'admin' })
    for (const field of ['data', 'inputs']) {
      const deep = `{"node_id":"n1","action":"retry","${field}":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`
      const res = await callWith(origin, GATEWAY_FORM, { headers: limitedHeaders, body: deep })
      expect(res.status).toBe(400)
      const body = await envelopeOf(res)
      expect(body.code).toBe(3540000)
      expect(body.message).toContain('nests deeper than 64 levels')
    }
    expect((await callWith(origin, GATEWAY_FORM, { headers: limitedHeaders, body: operation })).status).toBe(200)
  })

  it('forwards caller JSON exactly, or refuses a __proto__ key that it could not forward', async () => {
    const id = requestIdFor('exact')
    const data = { list: [1, 'two', { three: null }], 'weird key': true, constructor: 'kept' }
    const res = await callWith(origin, GATEWAY_FORM, { headers: { ...headers, 'X-Request-ID': id }, body: { node_id: 'n1', action: 'callback', data } })
    expect(res.status).toBe(200)
    expect(JSON.parse((await recordedAtOrigin(id))?.body ?? '').data).toEqual(data)

    const proto = await callWith(origin, GATEWAY_FORM, { headers, body: '{"node_id":"n1","action":"callback","data":{"x":{"__proto__":{"admin":true}}}}' })
    expect(proto.status).toBe(400)
    expect((await envelopeOf(proto)).errors).toEqual([{ path: 'data.x.__proto__', message: 'the key __proto__ is not accepted' }])
  })
})

describe('7. a body that is not JSON', () => {
  it('is 3540000 naming the body, whatever the source of the credentials', async () => {
    for (const [path, init] of [
      [ESB_FORM, {}],
      [GATEWAY_FORM, { headers }],
    ] as const) {
      const res = await call(path, { ...init, body: 'bk_app_code=x&node_id=n1' })
      expect(res.status).toBe(400)
      expect(await envelopeOf(res)).toMatchObject({
        code: 3540000,
        errors: [{ path: 'body', message: 'the request body is not valid JSON' }],
      })
    }
  })
})
