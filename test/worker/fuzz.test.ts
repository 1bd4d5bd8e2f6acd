/**
 * Seeded fuzzing of bodies and headers through the real pipeline (issue 9): whatever a caller sends,
 * the answer is an envelope, the gateway never answers 5xx, and nothing invalid reaches the origin
 * (the stand-in origin's `strict` behaviour answers code 4999999 for anything the gateway may not send).
 * Real OAuth tokens and codes (issue 18) go wherever a caller may put a credential, and no part of one
 * reaches the origin, the answer or the access log.
 */
import { env } from 'cloudflare:workers'
import { expect, it, onTestFinished, vi } from 'vitest'
import app from '../../src/http/app.ts'
import { resources } from '../../src/resources/table.ts'
import { authHeader, decodeJwt, fakeOrigin, originSaw, recordedAtOrigin, seedApp, seedToken, toRequest, uniqueCode } from './helpers.ts'
import { type Tokens, authorize, pkce, refresh, signIn, signedIn } from './oauth-support.ts'

const CALLS = 10_000
const CONCURRENCY = 25
const SEED = 0x5eed

/** mulberry32: small, seeded, good enough to spread the cases. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const code = uniqueCode('fuzz')
await seedApp(code, { userExempt: true, rateLimits: [{ tokens: 1_000_000, period: 1 }] })
await seedToken('fuzz-token', 'fuzzer')

/** The user of the app's access tokens that pass (a narrower one is another user's). */
const TOKEN_USER = 'fuzz-oauth'
const granted = await signIn(code, { username: TOKEN_USER })
const refreshed = (await (await refresh(granted.clientId, granted.tokens.refresh_token)).json()) as Tokens
const narrow = await signIn(code, { username: 'fuzz-narrow', clientScope: ['resource:get_task_status', 'biz:2'] })
const unspentCode = (await authorize(granted.clientId, await signedIn('fuzz-code'), { challenge: (await pkce()).challenge })).code!
/** Access tokens that pass every check. */
const PASSING_TOKENS = [granted.tokens.access_token, refreshed.access_token]
/** Everything the OAuth server issued: access and refresh tokens, spent and unspent codes. */
const ISSUED = [
  ...PASSING_TOKENS,
  granted.tokens.refresh_token,
  granted.code,
  refreshed.refresh_token,
  narrow.tokens.access_token,
  narrow.tokens.refresh_token,
  narrow.code,
  unspentCode,
]
/** The secret part of each (`<user>:<grant>:<secret>`): the user and grant ids may show, this never. */
const SECRETS = ISSUED.map((issued) => issued.split(':')[2]!)
expect(SECRETS.every((secret) => secret.length >= 16)).toBe(true)
/** Where a caller may put an OAuth credential, beside the headers. */
const TOKEN_FIELDS = ['access_token', 'refresh_token', 'code']

function fuzzer(next: () => number) {
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const chance = (p: number) => next() < p

  const strings = ['', 'n1', 'node_id', 'skip', 'retry', 'callback', 'skip_exg', 'skip_cpg', 'start', 'flow_1', '2', '12', '0', '-1', '1.5', '1e3',
    '9'.repeat(19), '9'.repeat(60), ' n1 ', 'a b', '../x', '<script>', '%00', 'é', '😀', '\ud83d', '\u0000', 'x'.repeat(300), '__proto__', 'constructor']
  const keys = ['node_id', 'action', 'data', 'inputs', 'flow_id', 'flow_ids', 'converge_gateway_id', 'callback_data', 'version', 'scope',
    'bk_biz_id', 'task_id', 'subprocess_id', 'with_ex_data', 'bk_app_code', 'bk_app_secret', 'bk_token', 'bk_username', 'app_code', 'app_secret',
    'username', 'name', 'template_id', 'constants', 'pipeline_tree', 'callback_url', 'task_id_list', 'include_children_status', 'keyword',
    'limit', 'page', 'subprocess_stack', 'constructor', 'toString', 'x', '']

  function value(depth: number): unknown {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0: return null
      case 1: return chance(0.5)
      case 2: return pick([0, 1, -1, 2, 12, 1.5, 1e21, Number.MAX_SAFE_INTEGER + 2, -0])
      case 3:
      case 4:
      case 5: return pick(strings)
      case 6: return Array.from({ length: int(4) }, () => value(depth + 1))
      case 7:
      case 8: return object(depth + 1)
    }
    return null
  }
  function object(depth: number): Record<string, unknown> {
    const fields: Record<string, unknown> = {}
    for (let i = int(6); i > 0; i--) fields[pick(keys)] = value(depth)
    return fields
  }
  // Header values are ASCII on the wire: other characters travel as JSON escapes.
  const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
  const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`
  const token = () => pick([...ISSUED, 'a:b:c', 'x'.repeat(513), ''])
  const bearer = () => `${pick(['Bearer ', 'bearer  ', 'Basic ', 'Bearer'])}${token()}`

  function body(): string | undefined {
    switch (int(10)) {
      case 0: return undefined
      case 1: return pick(['', 'null', '[]', '"s"', '{', '{"a":1,}', 'bk_app_code=x', '\u0000', '{"__proto__":{"x":1}}'])
      case 2: return `{"node_id":"n1","action":"callback","data":${deep(pick([10, 63, 64, 65, 200]))}}`
      default: {
        const fields = object(0)
        if (chance(0.6)) Object.assign(fields, { node_id: pick(['n1', 'node_id', '', 'bad id']), action: pick(['skip', 'retry', 'skip_exg', 'skip_cpg', 'start', 'nope']) })
        if (chance(0.3)) Object.assign(fields, { bk_app_code: code, bk_app_secret: pick(['secret', 'wrong']), bk_username: 'admin' })
        if (chance(0.3)) fields[pick(TOKEN_FIELDS)] = token()
        return JSON.stringify(fields)
      }
    }
  }

  const headerValues = ['', 'x', 'a'.repeat(200), 'x'.repeat(8000), '{"bk_app_code":1}', '[]', 'null', '"quoted"']
  function headers(): Record<string, string> {
    const h: Record<string, string> = {}
    const creds = pick([
      () => authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' }),
      () => authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_token: pick(['fuzz-token', 'unknown', '']) }),
      () => ({ 'X-Bkapi-Authorization': asciiJson(object(2)) }),
      () => ({ 'X-Bkapi-Authorization': pick(headerValues) }),
      () => ({ 'X-Bkapi-Authorization': asciiJson({ access_token: token(), ...(chance(0.3) ? object(2) : {}) }) }),
      () => ({ Authorization: bearer() }),
      () => ({}),
    ])()
    Object.assign(h, creds)
    if (chance(0.1)) h.Authorization = bearer()
    if (chance(0.5)) h['Content-Type'] = pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''])
    if (chance(0.3)) h.Cookie = pick(['bk_token=fuzz-token', 'bk_token=', 'bk_token=unknown; a=b', 'a=b'])
    if (chance(0.3)) h['X-Request-ID'] = pick([...headerValues, 'ok-id', 'id:1.2_3'])
    if (chance(0.3)) h.traceparent = pick(['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'junk', ...headerValues])
    if (chance(0.1)) h['Content-Length'] = pick(['0', '5', '99999999'])
    return h
  }

  const id = () => pick(['2', '12', '0', 'abc', '9'.repeat(19), '1.5', '-3', '%F0%9F%98%80', 'x'.repeat(100)])
  function path(): { path: string; method: string } {
    const resource = pick(resources)
    const method = (chance(0.9) ? resource.method : pick(['get', 'post'])).toUpperCase()
    // Percent-encoded values, and sequences that do not decode at all.
    const text = () => pick([...strings.filter((t) => !/[\ud800-\udfff]/.test(t)).map(encodeURIComponent), '%ED%A0%BD', '%ZZ', '%'])
    const query = chance(0.3) ? `?${pick(keys)}=${text()}&bk_biz_id=${id()}&task_id=${id()}` : ''
    const tokenParam = chance(0.2) ? `${query ? '&' : '?'}${new URLSearchParams({ [pick(TOKEN_FIELDS)]: token() })}` : ''
    const form = chance(0.5) ? `${resource.esbPath}/` : `/api/bk-sops/prod/${resource.path.replace(/:\w+/g, id)}/`
    return { path: `${form}${query}${tokenParam}`, method }
  }

  /**
   * Credentials that pass: the app's secret, or an access token in one of BlueKing's three forms; now
   * and then with a refresh token or a code beside them, which nothing reads.
   */
  function passing(): { headers: Record<string, string>; fields: Record<string, string> } {
    const accessToken = pick(PASSING_TOKENS)
    const { headers, fields } = pick<{ headers: Record<string, string>; fields: Record<string, string> }>([
      { headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' }), fields: {} },
      { headers: authHeader({ access_token: accessToken }), fields: {} },
      { headers: { Authorization: `Bearer ${accessToken}` }, fields: {} },
      { headers: {}, fields: { access_token: accessToken } },
    ])
    return { headers, fields: chance(0.3) ? { ...fields, [pick(TOKEN_FIELDS.slice(1))]: pick(ISSUED) } : fields }
  }

  /** A call that passes every check but carries fuzzed JSON the origin receives (data, inputs, callback_data), or a status read. */
  function nearlyValid() {
    const { headers, fields } = passing()
    if (chance(0.2)) {
      const query = new URLSearchParams({ bk_biz_id: '2', task_id: '12', with_ex_data: pick(['1', 'true']), ...fields })
      return { path: `/api/c/compapi/v2/sops/get_task_status/?${query}`, init: { method: 'GET', headers } }
    }
    const extra = object(1)
    const body = pick([
      { node_id: 'n1', action: 'callback', data: object(1), ...extra },
      { node_id: 'n1', action: 'retry', inputs: object(1), ...extra },
      { node_id: 'n1', action: 'skip_cpg', flow_ids: ['f1', 'f2'], converge_gateway_id: 'g1', ...extra },
      { node_id: 'n1', callback_data: value(1), ...extra },
      { action: pick(['start', 'pause', 'resume', 'revoke']), ...extra },
    ])
    const resource = 'callback_data' in body ? 'node_callback/12/2' : 'node_id' in body ? 'operate_node/2/12' : 'operate_task/12/2'
    return { path: `/api/bk-sops/prod/${resource}/`, init: { method: 'POST', headers, body: JSON.stringify({ ...body, ...fields }) } }
  }

  return () => {
    if (chance(0.3)) return nearlyValid()
    const { path: p, method } = path()
    const b = method === 'POST' ? body() : undefined
    return { path: p, init: { method, headers: headers(), ...(b === undefined ? {} : { body: b }) } }
  }
}

/** Every part of what a leak would show in: a call's answer, what the origin received, a printed line. */
const leakedIn = (text: string) => SECRETS.filter((secret) => text.includes(secret))

/** What the gateway prints while the fuzzing runs: its access-log lines counted, anything holding a secret kept. */
function watchOutput() {
  const output = { accessLines: 0, leaks: [] as string[] }
  const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      if (level === 'log' && (args[0] as { log?: unknown } | null)?.log === 'access') output.accessLines++
      const text = args.map((arg) => (arg instanceof Error ? String(arg.stack) : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')
      if (leakedIn(text).length) output.leaks.push(text.slice(0, 500))
    }),
  )
  return { output, restore: () => spies.forEach((spy) => spy.mockRestore()) }
}

it(`answers ${CALLS} fuzzed calls with an envelope, never a gateway 5xx, lets nothing invalid through, and no token out`, { timeout: 300_000 }, async () => {
  const nextCall = fuzzer(random(SEED))
  const config = { ORIGIN_URL: fakeOrigin('strict'), LOG_FORMAT: 'json' }
  const statuses = new Map<number, number>()
  let sent = 0
  let atOrigin = 0
  let tokenCallsAtOrigin = 0
  const { output, restore } = watchOutput()
  onTestFinished(restore)
  for (let done = 0; done < CALLS; done += CONCURRENCY) {
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, CALLS - done) }, async () => {
        const { path, init } = nextCall()
        let request: Request
        try {
          request = toRequest(path, init)
        } catch (error) {
          // A request the test itself cannot build (the Request constructor refuses it): not the gateway's.
          if (error instanceof TypeError) return
          throw error
        }
        sent++
        // Outside the try: whatever app.fetch throws, a TypeError included, is the gateway's and fails the test.
        const res = await app.fetch(request, { ...env, ...config })
        const text = await res.text()
        const what = `${init.method} ${path} ${JSON.stringify(init.headers)} ${String(init.body).slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        expect(res.status, what).toBeLessThan(500)
        expect(res.headers.get('Content-Type'), what).toBe('application/json; charset=utf-8')
        const envelope = JSON.parse(text) as Record<string, unknown>
        expect(typeof envelope.result, what).toBe('boolean')
        expect(Number.isInteger(envelope.code), what).toBe(true)
        expect(typeof envelope.message, what).toBe('string')
        expect(envelope.request_id, what).toBe(res.headers.get('X-Bkapi-Request-ID'))
        expect(envelope.code, what).not.toBe(4999999)
        for (const [, value] of res.headers) expect(value.length, what).toBeLessThanOrEqual(1100)
        expect(leakedIn(`${JSON.stringify([...res.headers])} ${text}`), `${what}: the answer`).toEqual([])

        // This very call's request at the origin, whatever X-Request-ID the fuzzer gave it.
        const received = await recordedAtOrigin(res.headers.get('X-Bkapi-Request-ID')!)
        if (!received) return
        atOrigin++
        expect(leakedIn(originSaw(received)), `${what}: the origin`).toEqual([])
        if (decodeJwt(received.headers['x-bkapi-jwt']!).payload.user.username === TOKEN_USER) tokenCallsAtOrigin++
      }),
    )
  }
  expect(output.leaks.slice(0, 3), `${output.leaks.length} printed lines held a token`).toEqual([])
  // One line a call: the log was written, so its silence about tokens means something.
  expect(output.accessLines).toBe(sent)
  // The cases must reach every layer, or the fuzzing proves little.
  expect(statuses.get(200)).toBeGreaterThan(CALLS / 50)
  expect(statuses.get(400)).toBeGreaterThan(CALLS / 10)
  expect(statuses.get(401)).toBeGreaterThan(0)
  expect(statuses.get(404)).toBeGreaterThan(0)
  expect(atOrigin).toBeGreaterThan(CALLS / 50)
  expect(tokenCallsAtOrigin).toBeGreaterThan(CALLS / 50)
})
