/** CONTRACT §6–§7: what reaches the origin, and what the caller gets back whatever the origin does. */
import { describe, expect, it } from 'vitest'
import { authHeader, callWith, decodeJwt, fakeOrigin, recordedAtOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'

const code = uniqueCode()
await seedApp(code, { userExempt: true })
await seedToken('leak-check-token', 'alice')

const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })
const operation = { node_id: 'n1', action: 'skip' }

describe('towards the origin', () => {
  it('sends no credential of any kind, and does send the JWT and the ids', async () => {
    const res = await callWith(
      { ORIGIN_URL: fakeOrigin('ok') },
      `/api/c/compapi/v2/sops/operate_node/?bk_app_secret=secret&bk_token=leak-check-token&app_secret=secret`,
      {
        headers: {
          Cookie: 'bk_token=leak-check-token; sessionid=abc',
          Authorization: 'Basic leak-check-token', // not Bearer: that is an access token (oauth.test.ts)
          'X-Request-ID': 'leak-check',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
        body: { bk_app_code: code, bk_app_secret: 'secret', app_secret: 'secret', bk_token: 'leak-check-token', bk_biz_id: '2', task_id: 12, ...operation },
      },
    )
    expect(res.status).toBe(200)
    const received = await recordedAtOrigin('leak-check')
    expect(received).not.toBeNull()
    const everything = JSON.stringify(received)
    expect(everything).not.toContain('leak-check-token')
    expect(everything).not.toContain('"secret"')
    expect(everything).not.toMatch(/bk_app_secret|app_secret|bk_token|sessionid/)
    expect(received?.headers.cookie).toBeUndefined()
    expect(received?.headers.authorization).toBeUndefined()
    expect(received?.headers['x-bkapi-authorization']).toBeUndefined()
    expect(received?.query).toEqual({})
    expect(JSON.parse(received?.body ?? '')).toEqual({ ...operation, scope: 'cmdb_biz' })

    expect(received?.headers['x-bk-tenant-id']).toBe('default')
    expect(received?.headers['x-request-id']).toBe('leak-check')
    expect(received?.headers['x-bkapi-request-id']).toBe(res.headers.get('X-Bkapi-Request-ID'))
    expect(received?.headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
    const { header, payload } = decodeJwt(received?.headers['x-bkapi-jwt'] ?? '')
    expect(header).toMatchObject({ alg: 'RS512', typ: 'JWT', kid: 'bk-sops' })
    expect(payload.app).toEqual({ version: 1, app_code: code, verified: true, valid_error_message: '' })
    // The token in the ESB body made a verified user: the user is the token's, not a username's.
    expect(payload.user).toEqual({ version: 1, username: 'alice', verified: true, valid_error_message: '' })
  })

  it("keeps the origin's envelope, filling data with the message on a data-less success", async () => {
    const ok = await callWith({ ORIGIN_URL: fakeOrigin('ok') }, '/api/bk-sops/prod/operate_node/2/12/', { headers, body: operation })
    expect(await ok.json()).toEqual({
      result: true,
      code: 0,
      message: 'success',
      data: 'success',
      trace_id: 'f'.repeat(32),
      request_id: ok.headers.get('X-Bkapi-Request-ID'),
    })
    expect(ok.headers.get('Sops-Trace-Id')).toBe('f'.repeat(32))
    expect(ok.headers.get('Content-Type')).toBe('application/json; charset=utf-8')

    const failed = await callWith({ ORIGIN_URL: fakeOrigin('sops-error') }, '/api/bk-sops/prod/operate_node/2/12/', { headers, body: operation })
    expect(failed.status).toBe(200)
    expect(failed.headers.get('X-Bkapi-Error-Code')).toBeNull()
    expect(await failed.json()).toMatchObject({ result: false, code: 3599999, message: 'task command is invalid', data: null })
  })
})

it('names the bound reference engine when it cannot be reached', async () => {
  const unreachable = { fetch: () => Promise.reject(new Error('Network connection lost.')) } as unknown as Fetcher
  const res = await callWith({ ENGINE: unreachable }, '/api/bk-sops/prod/operate_node/2/12/', { headers, body: operation })
  expect(res.status).toBe(502)
  expect(((await res.json()) as { message: string }).message).toBe(
    'Bad Gateway [upstream_error="cannot reach origin the reference engine (service binding ENGINE): Network connection lost."]',
  )
})

// A refused or reset connection: test/node/origin-network.test.ts, on workerd without the test runner.
describe('origin faults', () => {
  const faults: [string, Record<string, string>, number, string][] = [
    [
      'slow',
      { ORIGIN_URL: fakeOrigin('silent'), ORIGIN_TIMEOUT_MS: '200' },
      504,
      `Request backend service timeout [upstream_error="no complete answer from ${fakeOrigin('silent')} within 200 ms"]`,
    ],
    ['500 with HTML', { ORIGIN_URL: fakeOrigin('html-500') }, 502, 'Bad Gateway [upstream_error="origin answered HTTP 500 with a body that is not JSON"]'],
    ['200 not JSON', { ORIGIN_URL: fakeOrigin('text-200') }, 502, 'Bad Gateway [upstream_error="origin answered HTTP 200 with a body that is not JSON"]'],
    ['JSON, not an envelope', { ORIGIN_URL: fakeOrigin('not-envelope') }, 502, 'Bad Gateway [upstream_error="origin answered HTTP 200 with JSON that is not an envelope"]'],
    [
      'refusing the JWT',
      { ORIGIN_URL: fakeOrigin('forbidden') },
      502,
      'Bad Gateway [upstream_error="origin answered HTTP 403 with a body that is not JSON"]',
    ],
  ]
  it.each(faults)('%s', async (_name, config, status, message) => {
    const res = await callWith(config, '/api/bk-sops/prod/operate_node/2/12/', { headers, body: operation })
    expect(res.status).toBe(status)
    const body = (await res.json()) as { message: string; code_name: string }
    expect(body.message.startsWith(message), body.message).toBe(true)
    expect(res.headers.get('X-Bkapi-Error-Code')).toBe(status === 504 ? '1650401' : '1650200')
  })
})
