/** Every row of CONTRACT §6's error table, through the real app, with the envelope and its headers. */
import { describe, expect, it } from 'vitest'
import { authHeader, call, callWith, exemptApp, fakeOrigin, seedApp, uniqueCode } from './helpers.ts'

const GATEWAY_FORM = '/api/bk-sops/prod/operate_node/2/12/'

/** Asserts the gateway's own error envelope and headers, and returns the body. */
async function expectGatewayError(res: Response, status: number, code: number, codeName: string) {
  expect(res.status).toBe(status)
  expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
  const body = (await res.json()) as Record<string, unknown>
  expect(body).toMatchObject({ result: false, code, code_name: codeName, data: null })
  expect(body.request_id).toBe(res.headers.get('X-Bkapi-Request-ID'))
  expect(res.headers.get('X-Bkapi-Request-ID')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  expect(res.headers.get('X-Bkapi-Error-Code')).toBe(String(code))
  expect(res.headers.get('X-Bkapi-Error-Message')).toBe(body.message)
  expect(JSON.stringify(body)).not.toMatch(/secret|at .*\.ts|Error:/)
  return body as { message: string; errors?: { path: string; message: string }[] }
}

describe('the error table', () => {
  it('404 API_NOT_FOUND for an unknown path', async () => {
    const body = await expectGatewayError(await call('/api/bk-sops/prod/nope/'), 404, 1640401, 'API_NOT_FOUND')
    expect(body.message).toBe('API not found [method="GET" path="/api/bk-sops/prod/nope/"]')
  })

  it('404 API_NOT_FOUND for a known path with the wrong method, before any credential check', async () => {
    const body = await expectGatewayError(await call(GATEWAY_FORM, { method: 'GET' }), 404, 1640401, 'API_NOT_FOUND')
    expect(body.message).toBe(`API not found [method="GET" path="${GATEWAY_FORM}"]`)
    await expectGatewayError(await call('/api/c/compapi/v2/sops/get_task_status/', { method: 'POST', body: {} }), 404, 1640401, 'API_NOT_FOUND')
  })

  it('400 REQUEST_PARAM_INVALID for a body that is not JSON, not an object, or invalid parameters', async () => {
    const { headers } = await exemptApp()
    for (const [raw, why] of [
      ['{"node_id":', 'the request body is not valid JSON'],
      ['[1,2]', 'the request body must be a JSON object'],
    ] as const) {
      const body = await expectGatewayError(await call(GATEWAY_FORM, { headers, body: raw }), 400, 3540000, 'REQUEST_PARAM_INVALID')
      expect(body.message).toBe(`Request parameters invalid [reason="body: ${why}"]`)
      expect(body.errors).toEqual([{ path: 'body', message: why }])
    }
    const body = await expectGatewayError(
      await call(GATEWAY_FORM, { headers, body: { node_id: 'bad id!', action: 'explode' } }),
      400,
      3540000,
      'REQUEST_PARAM_INVALID',
    )
    expect(body.errors?.map((e) => e.path)).toEqual(['node_id', 'action'])
    expect(body.message).toContain('node_id: must be 1 to 64 characters')
    expect(body.message).toContain('action: must be one of callback, skip_exg, retry')
  })

  it('400 INVALID_ARGS for missing or wrong credentials', async () => {
    const body = await expectGatewayError(await call(GATEWAY_FORM, { body: { node_id: 'n', action: 'skip' } }), 400, 1640001, 'INVALID_ARGS')
    expect(body.message).toBe('Parameters error [reason="app code cannot be empty"]')
  })

  it('403 APP_NO_PERMISSION', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true, resources: ['get_task_status'] })
    const body = await expectGatewayError(
      await call(GATEWAY_FORM, {
        headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' }),
        body: { node_id: 'n', action: 'skip' },
      }),
      403,
      1640301,
      'APP_NO_PERMISSION',
    )
    expect(body.message).toBe(`App has no permission to the resource [reason="no permission to resource operate_node, bk_app_code=${code}"]`)
  })

  it('413 BODY_SIZE_LIMIT_EXCEED, by Content-Length and by the bytes actually sent', async () => {
    const { headers } = await exemptApp()
    const big = JSON.stringify({ node_id: 'n', action: 'skip', data: { pad: 'x'.repeat(1024 * 1024) } })
    const body = await expectGatewayError(await call(GATEWAY_FORM, { headers, body: big }), 413, 1641301, 'BODY_SIZE_LIMIT_EXCEED')
    expect(body.message).toBe('Request body size too large.')

    // No Content-Length: a stream is cut off once it passes the limit.
    const stream = () =>
      new ReadableStream({
        start(controller) {
          for (let i = 0; i < 64; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)))
          controller.close()
        },
      })
    const res = await callWith({ BODY_LIMIT_BYTES: '4096' }, GATEWAY_FORM, { headers, body: stream() })
    await expectGatewayError(res, 413, 1641301, 'BODY_SIZE_LIMIT_EXCEED')
    // A Content-Length far below what follows (a Worker calling through a service binding may send one): the bytes count.
    const understated = await callWith({ BODY_LIMIT_BYTES: '4096' }, GATEWAY_FORM, { headers: { ...headers, 'Content-Length': '10' }, body: stream() })
    await expectGatewayError(understated, 413, 1641301, 'BODY_SIZE_LIMIT_EXCEED')
  })

  it('429 RATE_LIMIT_RESTRICTION once the app has used its quota', async () => {
    const { headers } = await exemptApp({ rateLimits: [{ tokens: 1, period: 60 }] })
    const first = await callWith({ ORIGIN_URL: fakeOrigin('ok') }, GATEWAY_FORM, { headers, body: { node_id: 'n', action: 'skip' } })
    expect(first.status).toBe(200)
    await first.arrayBuffer()
    const res = await callWith({ ORIGIN_URL: fakeOrigin('ok') }, GATEWAY_FORM, { headers, body: { node_id: 'n', action: 'skip' } })
    const body = await expectGatewayError(res, 429, 1642903, 'RATE_LIMIT_RESTRICTION')
    expect(body.message).toBe('API rate limit exceeded by resource strategy')
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
  })

  it('500 INTERNAL_SERVER_ERROR when signing fails or KV is down', async () => {
    const { headers } = await exemptApp()
    const notAKey = ['-----BEGIN', 'PRIVATE KEY-----\nbm9wZQ==\n-----END', 'PRIVATE KEY-----'].join(' ')
    const unsigned = await callWith({ JWT_PRIVATE_KEY: notAKey }, GATEWAY_FORM, {
      headers,
      body: { node_id: 'n', action: 'skip' },
    })
    expect((await expectGatewayError(unsigned, 500, 1650001, 'INTERNAL_SERVER_ERROR')).message).toBe(
      'Internal Server Error [reason="sign jwt failed"]',
    )

    const brokenKv = {
      get: () => Promise.reject(new Error('KV is down')),
    } as unknown as KVNamespace
    const res = await callWith({ CREDENTIALS: brokenKv }, GATEWAY_FORM, {
      headers: authHeader({ bk_app_code: uniqueCode('kv'), bk_app_secret: 'secret', bk_username: 'admin' }),
      body: { node_id: 'n', action: 'skip' },
    })
    expect((await expectGatewayError(res, 500, 1650001, 'INTERNAL_SERVER_ERROR')).message).toBe(
      'Internal Server Error [reason="credential store unavailable"]',
    )
  })

  it('502 BAD_GATEWAY and 504 REQUEST_BACKEND_TIMEOUT from the origin', async () => {
    const { headers } = await exemptApp()
    const bad = await callWith({ ORIGIN_URL: fakeOrigin('html-500') }, GATEWAY_FORM, { headers, body: { node_id: 'n', action: 'skip' } })
    expect((await expectGatewayError(bad, 502, 1650200, 'BAD_GATEWAY')).message).toBe(
      'Bad Gateway [upstream_error="origin answered HTTP 500 with a body that is not JSON"]',
    )
    const slow = await callWith({ ORIGIN_URL: fakeOrigin('silent'), ORIGIN_TIMEOUT_MS: '300' }, GATEWAY_FORM, {
      headers,
      body: { node_id: 'n', action: 'skip' },
    })
    expect((await expectGatewayError(slow, 504, 1650401, 'REQUEST_BACKEND_TIMEOUT')).message).toMatch(
      /^Request backend service timeout \[upstream_error="no complete answer from http:\/\/127\.0\.0\.1:\d+\/silent\/ within 300 ms"\]$/,
    )
  })

  it('500 INTERNAL_SERVER_ERROR naming a bad cache variable', async () => {
    const { headers } = await exemptApp()
    const res = await callWith({ AUTH_CACHE_TTL_MS: 'forever' }, GATEWAY_FORM, { headers, body: { node_id: 'n', action: 'skip' } })
    const body = await expectGatewayError(res, 500, 1650001, 'INTERNAL_SERVER_ERROR')
    expect(body.message).toContain('invalid AUTH_CACHE_TTL_MS: must be an integer from 0 to 86400000')
  })

  it('500 INTERNAL_SERVER_ERROR naming a bad origin or body-size variable', async () => {
    const { headers } = await exemptApp()
    const cases: [Record<string, string>, string][] = [
      [{ ORIGIN_TIMEOUT_MS: 'soon' }, 'ORIGIN_TIMEOUT_MS'],
      [{ ORIGIN_URL: fakeOrigin('ok'), ORIGIN_MAX_BYTES: '-1' }, 'ORIGIN_MAX_BYTES'],
      [{ BODY_LIMIT_BYTES: '1.5' }, 'BODY_LIMIT_BYTES'],
    ]
    for (const [vars, name] of cases) {
      const res = await callWith(vars, GATEWAY_FORM, { headers, body: { node_id: 'n', action: 'skip' } })
      const body = await expectGatewayError(res, 500, 1650001, 'INTERNAL_SERVER_ERROR')
      expect(body.message).toContain(`invalid ${name}: must be a positive integer`)
    }
  })

  it('an uncaught fault is a 500 envelope without a stack trace', async () => {
    const { headers } = await exemptApp()
    // A variable that is not text (Workers only ever give text): reading it throws a plain TypeError.
    const res = await callWith({ RATE_LIMIT_ENABLED: 1 } as never, GATEWAY_FORM, {
      headers,
      body: { node_id: 'n', action: 'skip' },
    })
    const body = await expectGatewayError(res, 500, 1650001, 'INTERNAL_SERVER_ERROR')
    expect(body.message).toBe('Internal Server Error [reason="unexpected error"]')
  })
})

describe('request ids', () => {
  it('passes the caller X-Request-ID through and makes one when absent', async () => {
    const given = await call('/healthz', { headers: { 'X-Request-ID': 'caller-42' } })
    expect(given.headers.get('X-Request-ID')).toBe('caller-42')
    const made = await call('/healthz')
    expect(made.headers.get('X-Request-ID')).toBe(made.headers.get('X-Bkapi-Request-ID')?.replaceAll('-', ''))
  })
})
