/**
 * The access log and the metrics through the real pipeline: exactly one line and one data point per call,
 * for a success and for every way a call can end, with the fields of docs/observability.md.
 */
import { describe, expect, it, vi } from 'vitest'
import docs from '../../docs/observability.md?raw'
import { accessLineSchema } from '../../src/observability/line.ts'
import { BLOBS, DOUBLES } from '../../src/observability/metrics.ts'
import { prettyLine } from '../../src/observability/pretty.ts'
import { logged, oneLine } from './access-log-helpers.ts'
import { authHeader, exemptApp, fakeOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'

const OPERATE_NODE = '/api/bk-sops/prod/operate_node/2/12/'
const SKIP = { node_id: 'node_1', action: 'skip' }
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const OK_ORIGIN = { ORIGIN_URL: fakeOrigin('ok') }

/** Server-Timing's durations by name. */
function serverTimings(res: Response): Record<string, number> {
  const header = res.headers.get('Server-Timing') ?? ''
  return Object.fromEntries([...header.matchAll(/(\w+);(?:desc="[^"]*";)?dur=([\d.]+)/g)].map(([, name, dur]) => [name, Number(dur)]))
}

describe('a successful call', () => {
  it('logs one line with the ids, the caller, the operation, the answer, the timings and the sizes', async () => {
    const code = uniqueCode()
    await seedApp(code)
    await seedToken(`tok-${code}`, 'alice')
    const body = JSON.stringify(SKIP)
    const { res, line, points } = await oneLine(
      OPERATE_NODE,
      {
        headers: {
          ...authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_token: `tok-${code}` }),
          'X-Request-ID': 'caller-req-1',
          traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
        },
        body,
        cf: { colo: 'FRA' },
      },
      OK_ORIGIN,
    )
    expect(res.status).toBe(200)
    const bytesOut = (await res.arrayBuffer()).byteLength
    expect(line).toMatchObject({
      log: 'access',
      request_id: res.headers.get('X-Bkapi-Request-ID'),
      x_request_id: 'caller-req-1',
      trace_id: TRACE_ID,
      method: 'POST',
      path: OPERATE_NODE,
      resource: 'operate_node',
      url_form: 'gateway',
      app: code,
      user: 'alice',
      user_verified: true,
      bk_biz_id: '2',
      scope: 'cmdb_biz',
      task_id: 12,
      action: 'skip',
      node_id: 'node_1',
      status: 200,
      code: 0,
      code_name: 'OK',
      error_message: null,
      origin_status: 200,
      origin_error: null,
      detail: null,
      exception: null,
      auth_tier: 'kv',
      ratelimit_tier: 'object',
      replayed: false,
      bytes_in: new TextEncoder().encode(body).byteLength,
      bytes_out: bytesOut,
      colo: 'FRA',
      metrics_error: null,
      sample_rate: 1,
    })
    expect(Date.now() - Date.parse(line.time)).toBeLessThan(60_000)
    expect(line.message).toBe(`POST ${OPERATE_NODE} 200 OK ${line.total_ms}ms ${code}`)

    // The same durations as Server-Timing.
    const timing = serverTimings(res)
    expect([line.auth_ms, line.ratelimit_ms, line.origin_ms]).toEqual([timing.auth, timing.ratelimit, timing.origin])
    expect(line.total_ms).toBeGreaterThanOrEqual(timing.total ?? Number.NaN)
    expect(line.total_ms).toBeGreaterThanOrEqual((line.auth_ms ?? 0) + (line.origin_ms ?? 0))

    expect(points).toEqual([
      {
        indexes: [code],
        blobs: [code, 'operate_node', 'OK', 'FRA', '200'],
        doubles: [200, line.total_ms, line.origin_ms, 0],
      },
    ])
  })

  it('names the ESB URL form, and an unverified user of an exempt app', async () => {
    const { code } = await exemptApp()
    const query = new URLSearchParams({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'bob', bk_biz_id: '2', task_id: '12' })
    const { line } = await oneLine(`/api/c/compapi/v2/sops/get_task_status/?${query}`, {}, OK_ORIGIN)
    expect(line).toMatchObject({
      method: 'GET',
      path: '/api/c/compapi/v2/sops/get_task_status/',
      resource: 'get_task_status',
      url_form: 'esb',
      app: code,
      user: 'bob',
      user_verified: false,
      task_id: 12,
      action: null,
      node_id: null,
      bytes_in: 0,
      colo: null,
    })
  })

  it("keeps SOPS's own error: its code and message, under code_name ORIGIN_ERROR, always logged", async () => {
    const { code, headers } = await exemptApp()
    const { line, points } = await oneLine(OPERATE_NODE, { headers, body: SKIP }, { ORIGIN_URL: fakeOrigin('sops-error'), LOG_SAMPLE_RATE: '0' })
    expect(line).toMatchObject({
      status: 200,
      code: 3599999,
      code_name: 'ORIGIN_ERROR',
      error_message: 'task command is invalid',
      origin_status: 200,
      sample_rate: 1,
    })
    expect(points[0]?.blobs).toEqual([code, 'operate_node', 'ORIGIN_ERROR', '', '200'])
  })

  it('logs the health check and a CORS preflight too', async () => {
    const health = await oneLine('/healthz')
    expect(health.line).toMatchObject({ path: '/healthz', status: 200, code_name: 'OK', resource: null, url_form: null, app: null })
    expect(health.line.bytes_out).toBe((await health.res.arrayBuffer()).byteLength)

    const preflight = await oneLine(
      OPERATE_NODE,
      { method: 'OPTIONS', headers: { Origin: 'https://ui.example', 'Access-Control-Request-Method': 'POST' } },
      { CORS_ORIGINS: 'https://ui.example' },
    )
    expect(preflight.line).toMatchObject({ method: 'OPTIONS', status: 204, code: null, code_name: 'OK', bytes_out: 0, auth_ms: null })
    expect(preflight.points).toHaveLength(1)
  })
})

describe('every refusal is logged once, with its code', () => {
  it('404 for an unknown path, before any step', async () => {
    const { line, points } = await oneLine('/api/bk-sops/prod/nope/')
    expect(line).toMatchObject({
      status: 404,
      code: 1640401,
      code_name: 'API_NOT_FOUND',
      error_message: 'API not found [method="GET" path="/api/bk-sops/prod/nope/"]',
      resource: null,
      app: null,
      auth_ms: null,
      ratelimit_ms: null,
      origin_ms: null,
    })
    expect(points[0]).toEqual({ indexes: [''], blobs: ['', '', 'API_NOT_FOUND', '', ''], doubles: [404, line.total_ms, 0, 0] })
  })

  it('400 for a body that is not JSON, and for invalid parameters', async () => {
    const { code, headers } = await exemptApp()
    const notJson = await oneLine(OPERATE_NODE, { headers, body: '{"node_id":' })
    expect(notJson.line).toMatchObject({
      status: 400,
      code_name: 'REQUEST_PARAM_INVALID',
      error_message: 'Request parameters invalid [reason="body: the request body is not valid JSON"]',
      resource: 'operate_node',
      app: null, // refused before the credentials were read
      bytes_in: 11,
    })
    const invalid = await oneLine(OPERATE_NODE, { headers, body: { node_id: 'n', action: 'explode' } })
    expect(invalid.line).toMatchObject({ status: 400, code_name: 'REQUEST_PARAM_INVALID', app: code, user: 'admin', task_id: null })
    expect(invalid.line.error_message).toContain('action: must be one of')
  })

  it('400 for wrong credentials, without naming an app that was not verified', async () => {
    const { code } = await exemptApp()
    const { line, points } = await oneLine(OPERATE_NODE, {
      headers: authHeader({ bk_app_code: code, bk_app_secret: 'wrong', bk_username: 'admin' }),
      body: SKIP,
    })
    expect(line).toMatchObject({
      status: 400,
      code: 1640001,
      code_name: 'INVALID_ARGS',
      error_message: 'Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]',
      app: null,
      user: null,
      auth_tier: 'kv',
    })
    expect(line.auth_ms).not.toBeNull()
    expect(points[0]?.indexes).toEqual([''])
  })

  it('403 with the app and the operation it was refused', async () => {
    const { code, headers } = await exemptApp({ biz: ['3'] })
    const { line } = await oneLine(OPERATE_NODE, { headers, body: SKIP })
    expect(line).toMatchObject({ status: 403, code_name: 'APP_NO_PERMISSION', app: code, bk_biz_id: '2', task_id: 12, action: 'skip' })
  })

  it('413 with the declared size, and an unknown size for a stream cut off', async () => {
    const { headers } = await exemptApp()
    const declared = await oneLine(OPERATE_NODE, { headers: { ...headers, 'Content-Length': '5000' }, body: 'x'.repeat(5000) }, { BODY_LIMIT_BYTES: '4096' })
    expect(declared.line).toMatchObject({ status: 413, code_name: 'BODY_SIZE_LIMIT_EXCEED', bytes_in: 5000 })
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)))
        controller.close()
      },
    })
    const streamed = await oneLine(OPERATE_NODE, { headers, body: stream }, { BODY_LIMIT_BYTES: '4096' })
    expect(streamed.line).toMatchObject({ status: 413, code_name: 'BODY_SIZE_LIMIT_EXCEED', bytes_in: null })
  })

  it('429 with the limiter tier, counted as refused in the metrics', async () => {
    const { code, headers } = await exemptApp({ rateLimits: [{ tokens: 1, period: 60 }] })
    const first = await oneLine(OPERATE_NODE, { headers, body: SKIP }, OK_ORIGIN)
    expect(first.points[0]?.doubles?.[3]).toBe(0)
    const { line, points } = await oneLine(OPERATE_NODE, { headers, body: SKIP }, OK_ORIGIN)
    expect(line).toMatchObject({ status: 429, code: 1642903, code_name: 'RATE_LIMIT_RESTRICTION', app: code, origin_ms: null })
    expect(['object', 'deny-cache']).toContain(line.ratelimit_tier)
    expect(points).toEqual([
      { indexes: [code], blobs: [code, 'operate_node', 'RATE_LIMIT_RESTRICTION', '', ''], doubles: [429, line.total_ms, 0, 1] },
    ])
  })
})

describe('failures the caller never sees in detail are in the line, and nowhere else', () => {
  it("502: what the origin said goes to the line's detail, not to console.warn", async () => {
    const { headers } = await exemptApp()
    const { line, points } = await oneLine(OPERATE_NODE, { headers, body: SKIP }, { ORIGIN_URL: fakeOrigin('html-500') })
    expect(line).toMatchObject({
      status: 502,
      code_name: 'BAD_GATEWAY',
      error_message: 'Bad Gateway [upstream_error="origin answered HTTP 500 with a body that is not JSON"]',
      origin_status: 500,
      origin_error: null,
    })
    expect(line.detail).toBe(`${fakeOrigin('html-500')}: "<html><body><h1>Server Error (500)</h1></body></html>"`)
    expect(points[0]?.blobs?.slice(2)).toEqual(['BAD_GATEWAY', '', '500'])
  })

  it('502 for an unreachable origin and 504 for a silent one, with the failure named', async () => {
    const { headers } = await exemptApp()
    // The bound origin failing as a closed port does (a real one makes workerd print its own noise).
    const refusing = { fetch: () => Promise.reject(new Error('Network connection lost.')) } as unknown as Fetcher
    const unreachable = await oneLine(OPERATE_NODE, { headers, body: SKIP }, { ORIGIN_URL: '', ENGINE: refusing })
    expect(unreachable.line).toMatchObject({ status: 502, code_name: 'BAD_GATEWAY', origin_status: null, origin_error: 'unreachable' })
    expect(unreachable.points[0]?.blobs?.[4]).toBe('unreachable')

    const slow = await oneLine(OPERATE_NODE, { headers, body: SKIP }, { ORIGIN_URL: fakeOrigin('silent'), ORIGIN_TIMEOUT_MS: '200' })
    expect(slow.line).toMatchObject({ status: 504, code_name: 'REQUEST_BACKEND_TIMEOUT', origin_status: null, origin_error: 'timeout' })
    expect(slow.line.origin_ms).toBeGreaterThanOrEqual(150)
  })

  it('an unhandled error: its stack is in the line, and no console.error is printed', async () => {
    const { headers } = await exemptApp()
    // A variable that is not text (Workers only ever give text): reading it throws a plain TypeError.
    const { line } = await oneLine(OPERATE_NODE, { headers, body: SKIP }, { RATE_LIMIT_ENABLED: 1 } as never)
    expect(line).toMatchObject({
      status: 500,
      code_name: 'INTERNAL_SERVER_ERROR',
      error_message: 'Internal Server Error [reason="unexpected error"]',
    })
    expect(line.exception).toMatch(/^TypeError: .*trim[\s\S]*\n\s+at /)
  })
})

describe('sampling', () => {
  it('LOG_SAMPLE_RATE thins out successes only; metrics count every call', async () => {
    const { headers } = await exemptApp()
    const quiet = { ...OK_ORIGIN, LOG_SAMPLE_RATE: '0' }
    const success = await logged(OPERATE_NODE, { headers, body: SKIP }, quiet)
    expect(success.res.status).toBe(200)
    expect(success.lines).toEqual([])
    expect(success.points).toHaveLength(1)
    const refused = await oneLine('/nope', {}, quiet)
    expect(refused.line).toMatchObject({ status: 404, sample_rate: 1 })
  })

  it('keeps a success when its draw falls under the rate, and says at which rate', async () => {
    const half = { ...OK_ORIGIN, LOG_SAMPLE_RATE: '0.5' }
    const { headers } = await exemptApp()
    const draw = vi.spyOn(Math, 'random')
    try {
      draw.mockReturnValue(0.49)
      expect((await oneLine(OPERATE_NODE, { headers, body: SKIP }, half)).line.sample_rate).toBe(0.5)
      draw.mockReturnValue(0.5)
      expect((await logged(OPERATE_NODE, { headers, body: SKIP }, half)).lines).toEqual([])
    } finally {
      draw.mockRestore()
    }
  })

  it('a sample rate or format that cannot be read means every call, as JSON', async () => {
    for (const LOG_SAMPLE_RATE of ['often', '2', '-1']) {
      const { line } = await oneLine('/healthz', {}, { LOG_SAMPLE_RATE, LOG_FORMAT: 'yaml' })
      expect(line.sample_rate).toBe(1)
    }
  })

  it('LOG_FORMAT none prints nothing and still writes metrics', async () => {
    const { lines, points, otherOutput } = await logged('/healthz', {}, { LOG_FORMAT: 'none' })
    expect([lines, otherOutput]).toEqual([[], []])
    expect(points).toHaveLength(1)
  })
})

describe('the pretty format (npm run dev)', () => {
  it('prints one short line: method, path, status, code_name, total and app, then why it failed', async () => {
    const { code, headers } = await exemptApp()
    const ok = await logged(OPERATE_NODE, { headers, body: SKIP }, { ...OK_ORIGIN, LOG_FORMAT: 'pretty' })
    expect(ok.otherOutput).toHaveLength(1)
    expect(ok.otherOutput[0]?.[0]).toMatch(new RegExp(`^POST ${OPERATE_NODE} 200 OK \\d+(\\.\\d)?ms ${code}$`))

    const refused = await logged('/nope', {}, { LOG_FORMAT: 'pretty' })
    expect(refused.otherOutput[0]?.[0]).toMatch(/^GET \/nope 404 API_NOT_FOUND [\d.]+ms - · API not found \[method="GET" path="\/nope"\]$/)
  })

  it("indents an unhandled error's stack under the line", async () => {
    const { line } = await oneLine('/healthz')
    const text = prettyLine({ ...line, status: 500, exception: 'TypeError: boom\n    at f (x.ts:1:1)' })
    expect(text.split('\n')).toEqual([line.message, '  TypeError: boom', '      at f (x.ts:1:1)'])
  })
})

describe('metrics', () => {
  it('a binding that throws never fails the call; the line says what it threw', async () => {
    const broken: AnalyticsEngineDataset = {
      writeDataPoint: () => {
        throw new Error('Analytics Engine is down')
      },
    }
    const { res, line } = await oneLine('/healthz', {}, { METRICS: broken })
    expect(res.status).toBe(200)
    expect(line.metrics_error).toBe('Error: Analytics Engine is down')
  })

  it('without the binding (local development) metrics are skipped silently', async () => {
    const { res, line } = await oneLine('/healthz', {}, { METRICS: undefined })
    expect(res.status).toBe(200)
    expect(line.metrics_error).toBeNull()
  })

  it('docs/observability.md names the blobs and doubles in the order they are written', () => {
    const table = (prefix: string, names: readonly string[]) => names.map((name, i) => `| \`${prefix}${i + 1}\` | ${name} |`)
    for (const row of [...table('blob', BLOBS), ...table('double', DOUBLES)]) expect(docs).toContain(row)
  })
})

describe('the line schema', () => {
  it('is the allowlist: docs/observability.md documents exactly its fields, in order', () => {
    const section = docs.split(/^## /m).find((s) => s.startsWith('The access-log line')) ?? ''
    const documented = [...section.matchAll(/^\| `(\w+)` \|/gm)].map(([, name]) => name)
    expect(documented).toEqual(Object.keys(accessLineSchema.shape))
  })

  it('says when an Idempotency-Key replay answered, with what SOPS answered the first time', async () => {
    const { headers } = await exemptApp()
    const keyed = { headers: { ...headers, 'Idempotency-Key': uniqueCode('replayed') }, body: SKIP }
    const first = await oneLine(OPERATE_NODE, keyed, { ORIGIN_URL: fakeOrigin('sops-error') })
    const again = await oneLine(OPERATE_NODE, keyed, { ORIGIN_URL: fakeOrigin('sops-error') })
    expect(first.line).toMatchObject({ replayed: false, origin_status: 200, code: 3599999, code_name: 'ORIGIN_ERROR' })
    expect(again.line).toMatchObject({ replayed: true, origin_status: null, code: 3599999, code_name: 'ORIGIN_ERROR' })
  })
})
