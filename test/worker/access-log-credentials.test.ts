/**
 * No access-log line ever holds a credential, a JWT or a body, wherever the caller (or the origin) puts
 * one: the line is built from validated values only, and every text in it that can come from outside
 * is cleared of the call's credentials (src/observability/redact.ts).
 */
import { describe, expect, it } from 'vitest'
import { parseAuthorizationHeader } from '../../src/credentials/extract.ts'
import type { AccessLine } from '../../src/observability/line.ts'
import { REDACTED, credentialsIn, redactor } from '../../src/observability/redact.ts'
import { oneLine } from './access-log-helpers.ts'
import { authHeader, fakeOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'
import { signIn } from './oauth-support.ts'

const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')
const base64url = (text: string) => btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
const jwtLike = () => `${base64url('{"alg":"RS512","typ":"JWT"}')}.${base64url(`{"sub":"${hex(8)}"}`)}.${hex(16)}`

/** A fresh, recognisable value for every place a credential can hide. */
function secrets() {
  return {
    appSecret: `sk-app-${hex(12)}`,
    token: hex(16), // 32 hex digits: also a well-formed traceparent trace id
    querySecret: `sk-query-${hex(12)}`,
    queryJwt: jwtLike(),
    accessToken: `at-${hex(12)}`,
    refreshToken: `rt-${hex(12)}`,
    code: `code-${hex(12)}`,
    cookieToken: `ck-${hex(12)}`,
    sessionCookie: `sess-${hex(12)}`,
    bearer: jwtLike(),
    dataToken: `data-tok-${hex(12)}`,
    dataPassword: `data-pw-${hex(12)}`,
  }
}

/** Asserts that the line holds none of the values, nor anything shaped like a JWT, in any field. */
function expectNone(line: AccessLine, values: Record<string, string>) {
  const text = JSON.stringify(line)
  for (const [name, value] of Object.entries(values)) expect(text, `${name} leaked into the line`).not.toContain(value)
  expect(text).not.toMatch(/eyJ[\w-]*\./)
}

const OPERATE_NODE_ESB = '/api/c/compapi/v2/sops/operate_node/'
const OK_ORIGIN = { ORIGIN_URL: fakeOrigin('ok') }

describe('a line never holds a credential', () => {
  it('passed everywhere at once: query, body, data, cookie, Authorization, X-Request-ID, traceparent', async () => {
    const s = secrets()
    const code = uniqueCode()
    await seedApp(code, { secrets: [s.appSecret] })
    await seedToken(s.token, 'alice')
    // A real access token (it is read before the secret, as BlueKing does), so the call goes through, and
    // the refresh token and the (spent) code it came with.
    const signedIn = await signIn(code, { username: 'alice' })
    Object.assign(s, { accessToken: signedIn.tokens.access_token, refreshToken: signedIn.tokens.refresh_token, code: signedIn.code })
    const query = new URLSearchParams({ bk_app_secret: s.querySecret, jwt: s.queryJwt, refresh_token: s.refreshToken })
    const { res, line } = await oneLine(
      `${OPERATE_NODE_ESB}?${query}`,
      {
        headers: {
          Cookie: `bk_token=${s.cookieToken}; sessionid=${s.sessionCookie}`,
          Authorization: `Basic ${s.bearer}`, // a Bearer token would be an access token (oauth.test.ts checks those)
          'X-Request-ID': s.appSecret, // safe characters, so the gateway keeps and forwards it
          traceparent: `00-${s.token}-00f067aa0ba902b7-01`,
        },
        body: {
          bk_app_code: code,
          bk_app_secret: s.appSecret,
          bk_token: s.token,
          access_token: s.accessToken,
          code: s.code,
          bk_biz_id: '2',
          task_id: '12',
          node_id: 'node_1',
          action: 'callback',
          data: { bk_token: s.dataToken, password: s.dataPassword },
        },
      },
      OK_ORIGIN,
    )
    expect(res.status).toBe(200)
    expectNone(line, s)
    expect(line).toMatchObject({ app: code, user: 'alice', x_request_id: REDACTED, trace_id: REDACTED, path: OPERATE_NODE_ESB })
  })

  it('in the ESB query of a GET, which is never logged', async () => {
    const s = secrets()
    const code = uniqueCode()
    await seedApp(code, { secrets: [s.appSecret] })
    await seedToken(s.token, 'bob')
    const query = new URLSearchParams({ bk_app_code: code, bk_app_secret: s.appSecret, bk_token: s.token, bk_biz_id: '2', task_id: '12' })
    const { line } = await oneLine(`/api/c/compapi/v2/sops/get_task_status/?${query}`, {}, OK_ORIGIN)
    expect(line).toMatchObject({ status: 200, app: code, user: 'bob', path: '/api/c/compapi/v2/sops/get_task_status/' })
    expectNone(line, s)
  })

  it('in extra fields of X-Bkapi-Authorization, and a JWT as X-Request-ID', async () => {
    const s = secrets()
    const code = uniqueCode()
    await seedApp(code, { secrets: [s.appSecret] })
    await seedToken(s.token, 'carol')
    s.accessToken = (await signIn(code, { username: 'carol' })).tokens.access_token
    const requestIdJwt = jwtLike()
    expect(requestIdJwt.length).toBeLessThanOrEqual(128)
    const { line } = await oneLine(
      '/api/bk-sops/prod/operate_task/12/2/',
      {
        headers: {
          ...authHeader({ bk_app_code: code, bk_app_secret: s.appSecret, bk_token: s.token, access_token: s.accessToken, jwt: s.bearer }),
          'X-Request-ID': requestIdJwt,
        },
        body: { action: 'start' },
      },
      OK_ORIGIN,
    )
    expect(line).toMatchObject({ status: 200, app: code, x_request_id: REDACTED })
    expectNone(line, { ...s, requestIdJwt })
  })

  it('as the app code (swapped with the secret): an unverified code is never logged', async () => {
    const s = secrets()
    const code = uniqueCode()
    await seedApp(code, { secrets: [s.appSecret], userExempt: true })
    const { line } = await oneLine(OPERATE_NODE_ESB, {
      body: { bk_app_code: s.appSecret, bk_app_secret: code, bk_username: 'admin', bk_biz_id: '2', task_id: '12', node_id: 'n', action: 'skip' },
    })
    expect(line).toMatchObject({ status: 400, code_name: 'INVALID_ARGS', app: null })
    expectNone(line, s)
  })

  it('as the username of an exempt app, or as a node id', async () => {
    const s = secrets()
    const code = uniqueCode()
    await seedApp(code, { secrets: [s.appSecret], userExempt: true })
    const { line } = await oneLine(
      '/api/bk-sops/prod/operate_node/2/12/',
      {
        headers: authHeader({ bk_app_code: code, bk_app_secret: s.appSecret, bk_username: s.appSecret }),
        body: { node_id: s.appSecret, action: 'skip' },
      },
      OK_ORIGIN,
    )
    expect(line).toMatchObject({ status: 200, app: code, user: REDACTED, user_verified: false, node_id: REDACTED })
    expectNone(line, s)
  })

  it('echoed by a misbehaving origin: the X-Bkapi-Jwt it was sent is not kept from what it said', async () => {
    const s = secrets()
    const code = uniqueCode()
    await seedApp(code, { secrets: [s.appSecret], userExempt: true })
    // A debug error page that prints the request's headers, the JWT first.
    const echoing = {
      fetch: (_url: string, init: RequestInit) => {
        const headers = new Headers(init.headers)
        return Promise.resolve(new Response(`<pre>HTTP_X_BKAPI_JWT=${headers.get('X-Bkapi-Jwt')}</pre>`, { status: 500 }))
      },
    } as unknown as Fetcher
    const { line } = await oneLine(
      '/api/bk-sops/prod/operate_node/2/12/',
      { headers: authHeader({ bk_app_code: code, bk_app_secret: s.appSecret, bk_username: 'admin' }), body: { node_id: 'n', action: 'skip' } },
      { ORIGIN_URL: '', ENGINE: echoing },
    )
    expect(line).toMatchObject({ status: 502, code_name: 'BAD_GATEWAY', origin_status: 500 })
    expect(line.detail).toContain(`HTTP_X_BKAPI_JWT=${REDACTED}`)
    expectNone(line, s)
  })

  it("in an unexpected fault's message", async () => {
    const s = secrets()
    const code = uniqueCode()
    await seedApp(code, { secrets: [s.appSecret], userExempt: true })
    // A configuration value whose use throws, with the secret in its message.
    const failing = {
      trim: () => {
        throw new Error(`cannot read the limits of ${s.appSecret}`)
      },
    }
    const { line } = await oneLine(
      '/api/bk-sops/prod/operate_node/2/12/',
      { headers: authHeader({ bk_app_code: code, bk_app_secret: s.appSecret, bk_username: 'admin' }), body: { node_id: 'n', action: 'skip' } },
      { RATE_LIMIT_DEFAULT: failing } as never,
    )
    expect(line.status).toBe(500)
    expect(line.exception).toContain(`Error: cannot read the limits of ${REDACTED}`)
    expectNone(line, s)
  })
})

describe('the guard', () => {
  /** The header as authenticate() hands it to the log: sent and parsed. */
  const header = (text: string) => ({ text, fields: parseAuthorizationHeader(text) })
  const sources = (over: Partial<Parameters<typeof credentialsIn>[0]> = {}) => ({
    bkapiAuthorization: undefined,
    authorization: undefined,
    cookie: undefined,
    query: {},
    body: undefined,
    ...over,
  })

  it('finds credentials under any secret-like name, but not the names of who calls', () => {
    const found = credentialsIn(
      sources({
        bkapiAuthorization: header(JSON.stringify({ bk_app_code: 'my_app', bk_username: 'alice', bk_app_secret: 'S1', anything: 'S2' })),
        authorization: 'Bearer S3',
        cookie: 'bk_token=S4; theme=dark',
        query: { app_secret: 'S5', bk_biz_id: '2', api_key: 'S6' },
        body: { bk_signature: 'S7', Password: 'S8', task_id: 12, refresh_token: 123456789 },
      }),
    )
    for (const value of ['S1', 'S2', 'S3', 'S4', 'dark', 'S5', 'S6', 'S7', 'S8', '123456789']) expect(found).toContain(value)
    for (const value of ['my_app', 'alice', '2', '12']) expect(found).not.toContain(value)
  })

  it('takes a long credential out of any text, a short one only where it is the whole text', () => {
    const redact = redactor(['0123456789abcdef', 'xxx'])
    expect(redact('req-0123456789abcdef-1')).toBe(`req-${REDACTED}-1`)
    expect(redact('xxx')).toBe(REDACTED)
    expect(redact('xxxy')).toBe('xxxy')
    expect(redact('nothing here')).toBe('nothing here')
  })

  it('takes out anything shaped like a JWT, whoever sent it', () => {
    const redact = redactor([])
    const jwt = jwtLike()
    expect(redact(`origin said: token=${jwt}; bye`)).toBe(`origin said: token=${REDACTED}; bye`)
  })

  it('an unreadable X-Bkapi-Authorization counts as a credential as a whole', () => {
    expect(credentialsIn(sources({ bkapiAuthorization: header('not json S9') }))).toEqual(['not json S9'])
  })
})
