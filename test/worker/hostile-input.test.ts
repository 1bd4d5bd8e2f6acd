/**
 * Issue 23: hostile bodies and a hostile origin — sizes counted as decoded, caller JSON forwarded as
 * sent or refused, and issue 22's refusal that must arrive while the caller is still sending.
 */
import { describe, expect, it } from 'vitest'
import { authHeader, callWith, fakeOrigin, recordedAtOrigin, seedApp, uniqueCode } from './helpers.ts'

const GATEWAY_FORM = '/api/bk-sops/prod/operate_node/2/12/'
const operation = { node_id: 'n1', action: 'skip' }

const code = uniqueCode()
await seedApp(code, { userExempt: true })
const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })
let ids = 0
const requestIdFor = (what: string) => `${what}-${++ids}`

type Envelope = { code: number; code_name?: string; message: string; errors?: { path: string; message: string }[] }
const envelopeOf = async (res: Response) => (await res.json()) as Envelope

const gzip = (text: string) => new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))

describe("the origin's answer is capped as decoded", () => {
  it('a gzip bomb (64 KB sent, 64 MiB decoded, a small Content-Length), even unasked for, is a 502 at the 10 MiB cap', async () => {
    const res = await callWith({ ORIGIN_URL: fakeOrigin('gzip-bomb') }, GATEWAY_FORM, { headers, body: operation })
    expect(res.status).toBe(502)
    expect((await envelopeOf(res)).message).toContain(`origin answered more than ${10 * 1024 * 1024} bytes`)
  })

  it('asks the origin for identity by default, and for what ORIGIN_ACCEPT_ENCODING says otherwise', async () => {
    const plain = requestIdFor('identity')
    await callWith({ ORIGIN_URL: fakeOrigin('ok') }, GATEWAY_FORM, { headers: { ...headers, 'X-Request-ID': plain }, body: operation })
    expect((await recordedAtOrigin(plain))?.headers['accept-encoding']).toBe('identity')

    const compressed = requestIdFor('gzip')
    const res = await callWith({ ORIGIN_URL: fakeOrigin('gzip-ok'), ORIGIN_ACCEPT_ENCODING: 'gzip' }, GATEWAY_FORM, {
      headers: { ...headers, 'X-Request-ID': compressed },
      body: operation,
    })
    expect((await recordedAtOrigin(compressed))?.headers['accept-encoding']).toBe('gzip')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ result: true, data: 'success' })
  })

  it('a bad ORIGIN_ACCEPT_ENCODING is a 500 naming it', async () => {
    const res = await callWith({ ORIGIN_URL: fakeOrigin('ok'), ORIGIN_ACCEPT_ENCODING: 'gzip\r\nX-Evil: 1' }, GATEWAY_FORM, { headers, body: operation })
    expect(res.status).toBe(500)
    expect((await envelopeOf(res)).message).toContain('ORIGIN_ACCEPT_ENCODING')
  })
})

describe("the caller's body is capped as decoded", () => {
  const limit = { ORIGIN_URL: fakeOrigin('strict'), BODY_LIMIT_BYTES: '4096' }

  it('a gzip body is read as the JSON it decodes to', async () => {
    const res = await callWith(limit, GATEWAY_FORM, { headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzip(JSON.stringify(operation)) })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ result: true, code: 0 })
  })

  it('a gzip body small as sent but over the limit decoded is a 413', async () => {
    const bomb = JSON.stringify({ ...operation, pad: ' '.repeat(1024 * 1024) })
    const res = await callWith(limit, GATEWAY_FORM, { headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzip(bomb) })
    expect(res.status).toBe(413)
    expect((await envelopeOf(res)).code_name).toBe('BODY_SIZE_LIMIT_EXCEED')
  })

  it.each([
    ['an encoding the gateway does not read', { 'Content-Encoding': 'br' }, 'Content-Encoding', 'must be one of identity, gzip, x-gzip, deflate'],
    ['gzip that is not gzip', { 'Content-Encoding': 'gzip' }, 'body', 'is not valid gzip data'],
  ])('%s is a 400 naming it', async (_, encoding, path, message) => {
    const res = await callWith(limit, GATEWAY_FORM, { headers: { ...headers, ...encoding }, body: JSON.stringify(operation) })
    expect(res.status).toBe(400)
    const body = await envelopeOf(res)
    expect(body.code).toBe(3540000)
    expect(body.errors).toEqual([{ path, message }])
  })
})

describe('caller JSON reaches the origin as sent, or is refused', () => {
  const origin = { ORIGIN_URL: fakeOrigin('ok') }

  it('forwards numbers a double would change digit for digit, and the others as numbers', async () => {
    const id = requestIdFor('numbers')
    const body = `{"node_id":"n1","action":"callback","data":{"big":12345678901234567891,"fine":0.10000000000000000001,"float":1.0,"neg":-0,"exp":1E400,"safe":42,"list":[9007199254740993]}}`
    const res = await callWith(origin, GATEWAY_FORM, { headers: { ...headers, 'X-Request-ID': id }, body })
    expect(res.status).toBe(200)
    expect((await recordedAtOrigin(id))?.body).toContain(
      '"data":{"big":12345678901234567891,"fine":0.10000000000000000001,"float":1.0,"neg":-0,"exp":1E400,"safe":42,"list":[9007199254740993]}',
    )
  })

  it.each([
    ['bk_biz_id', '"bk_biz_id":123456789012345678,"task_id":12,"data":{}', 'must be a string of digits'],
    ['task_id', '"bk_biz_id":"2","task_id":12345678901234567891,"data":{}', 'must be a positive integer'],
    ['data', '"bk_biz_id":"2","task_id":12,"data":1e400', 'must be a JSON object'],
  ])('refuses %s when a double cannot hold it, naming it', async (field, fields, message) => {
    const body = `{"node_id":"n1","action":"callback",${fields}}`
    const res = await callWith(origin, '/api/c/compapi/v2/sops/operate_node/', { headers, body })
    expect(res.status).toBe(400)
    expect((await envelopeOf(res)).errors).toEqual([{ path: field, message: expect.stringContaining(message) }])
  })

  it.each([
    ['at the top', '{"node_id":"n1","action":"skip","action":"retry"}', 'action'],
    ['nested', '{"node_id":"n1","action":"callback","data":{"x":1,"x":2}}', 'x'],
    ['once spelled with an escape', '{"node_id":"n1","action":"skip","\\u0061ction":"retry"}', 'action'],
  ])('refuses a key given twice %s with 3540000', async (_, body, path) => {
    const res = await callWith(origin, GATEWAY_FORM, { headers, body })
    expect(res.status).toBe(400)
    const envelope = await envelopeOf(res)
    expect(envelope).toMatchObject({ code: 3540000, code_name: 'REQUEST_PARAM_INVALID', errors: [{ path, message: 'is given twice' }] })
    expect(res.headers.get('X-Bkapi-Error-Code')).toBe('3540000')
  })

  it('still refuses nesting past 64 levels, however deep', async () => {
    for (const depth of [65, 200_000]) {
      const body = `{"node_id":"n1","action":"callback","data":${'['.repeat(depth)}${']'.repeat(depth)}}`
      const res = await callWith({ ...origin, BODY_LIMIT_BYTES: String(1024 * 1024) }, GATEWAY_FORM, { headers, body })
      expect(res.status).toBe(400)
      expect(JSON.stringify((await envelopeOf(res)).errors)).toContain('nests deeper than 64 levels')
    }
  })
})

describe('every refusal arrives: the rest of the body is drained first (issue 22)', () => {
  /** A body of `chunks` chunks of 1 KiB, and how many of them the gateway pulled. */
  function countedBody(chunks: number) {
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === chunks) return controller.close()
        pulled++
        controller.enqueue(new Uint8Array(1024).fill(0x20))
      },
    })
    return { stream, pulled: () => pulled }
  }

  it.each([
    ['a body over the limit (413)', GATEWAY_FORM, 413],
    ['a call to an unknown path (404)', '/api/nowhere/', 404],
  ])('%s: the whole body is read before the answer', async (_, path, status) => {
    const body = countedBody(12)
    const res = await callWith({ BODY_LIMIT_BYTES: '4096' }, path, { headers, body: body.stream })
    expect(res.status).toBe(status)
    expect(body.pulled()).toBe(12)
  })

  it('stops draining past four body limits', async () => {
    const body = countedBody(1000)
    const res = await callWith({ BODY_LIMIT_BYTES: '4096' }, GATEWAY_FORM, { headers, body: body.stream })
    expect(res.status).toBe(413)
    expect(body.pulled()).toBeLessThan(30)
  })
})
