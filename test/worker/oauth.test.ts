/**
 * Front-ends without an app secret (issue 18): the whole OAuth 2.1 + PKCE flow in workerd, access
 * tokens in BlueKing's three forms on every resource, BlueKing's refusal texts, scope limits, refresh
 * rotation and revocation through the credential feed.
 */
import { env } from 'cloudflare:workers'
import { type MockInstance, afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { REVOCATION_BOUND_MS, replicaName, FEED_REPLICAS } from '../../src/credentials/feed.ts'
import { type ResourceName, resources } from '../../src/resources/table.ts'
import { FULL } from './resource-samples.ts'
import { grantRevokedKey } from '../../src/oauth/revocations.ts'
import { callWith, decodeJwt, originSaw, recordedAtOrigin, seedApp, uniqueCode } from './helpers.ts'
import { ADMIN_TOKEN, BASE, BK_LOGIN_URL, REDIRECT_URI, addClient, authorize, exchange, form, pkce, refresh, send, signIn, signedIn, vars } from './oauth-support.ts'

let quiet: MockInstance<typeof console.log>
beforeAll(() => {
  quiet = vi.spyOn(console, 'log').mockImplementation(() => {})
})
afterAll(() => quiet.mockRestore())

/** A valid call of each resource, in its ESB form (JSON-encoded where a query needs text). */
const SAMPLES = FULL

type Form = 'header' | 'param' | 'bearer'

interface CallOptions {
  /** The gateway form takes the ids in its path. */
  urlForm?: 'esb' | 'gateway'
  headers?: Record<string, string>
  config?: typeof vars & Partial<Env>
}

/** A call of the resource with the token in one of BlueKing's three forms: the rest in the query (GET) or the JSON body. */
function callAs(name: ResourceName, token: string, how: Form, params: Record<string, unknown> = SAMPLES[name], { urlForm = 'esb', headers: extra = {}, config = vars }: CallOptions = {}) {
  const resource = resources.find((r) => r.name === name)!
  const headers: Record<string, string> = {
    ...extra,
    ...(how === 'header' ? { 'X-Bkapi-Authorization': JSON.stringify({ access_token: token }) } : how === 'bearer' ? { Authorization: `Bearer ${token}` } : {}),
  }
  const fields: Record<string, unknown> = how === 'param' ? { ...params, access_token: token } : { ...params }
  let path = `${resource.esbPath}/`
  if (urlForm === 'gateway') {
    path = `${resource.gatewayPath.replace(/:(\w+)/g, (_, id: string) => String(fields[id]))}/`
    for (const id of resource.pathParams) delete fields[id]
  }
  const query = new URLSearchParams(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]))
  if (resource.method === 'get') return callWith(config, `${path}?${query}`, { headers })
  return callWith(config, path, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(fields) })
}

const envelope = async (res: Response) => (await res.json()) as { code: number; code_name: string; message: string; result: boolean }

describe('discovery', () => {
  it('publishes RFC 8414 and RFC 9728 metadata', async () => {
    const as = (await (await send('/.well-known/oauth-authorization-server')).json()) as Record<string, unknown>
    expect(as).toMatchObject({
      issuer: BASE,
      authorization_endpoint: `${BASE}/oauth/authorize`,
      token_endpoint: `${BASE}/oauth/token`,
      revocation_endpoint: `${BASE}/oauth/token`,
      code_challenge_methods_supported: ['S256'],
    })
    const pr = (await (await send('/.well-known/oauth-protected-resource')).json()) as Record<string, unknown>
    expect(pr).toMatchObject({ resource: BASE, authorization_servers: [BASE] })
  })
})

describe('the whole flow', () => {
  it('authorizes the cookie user, exchanges the code with PKCE and calls every resource in all three forms', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code, { secrets: ['secret'] })
    const clientId = await addClient(code)
    const bkToken = await signedIn('alice')
    const { verifier, challenge } = await pkce()

    // No login cookie: off to BlueKing's login page, which comes back here.
    const anonymous = await send(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', state: 's' })}`)
    expect(anonymous.status).toBe(302)
    const login = new URL(anonymous.headers.get('Location')!)
    expect(login.origin + login.pathname).toBe(BK_LOGIN_URL)
    expect(login.searchParams.get('c_url')).toContain('/oauth/authorize?')

    const flow = await authorize(clientId, bkToken, { challenge })
    expect(flow.page.status).toBe(200)
    expect(flow.page.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'")
    for (const shown of ['Test front-end', code, 'alice', 'resource:*', 'Allow', 'Deny']) expect(flow.html).toContain(shown)
    expect(flow.location?.origin + flow.location!.pathname).toBe(REDIRECT_URI)
    expect(flow.location?.searchParams.get('state')).toBe('st')

    const res = await exchange(clientId, flow.code!, verifier)
    expect(res.status).toBe(200)
    const tokens = (await res.json()) as { access_token: string; token_type: string; expires_in: number; refresh_token: string; scope: string }
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    expect(tokens.expires_in).toBeLessThanOrEqual(3600)
    expect(tokens.refresh_token).toBeTruthy()
    expect(tokens.scope).toBe('resource:* biz:*')

    for (const resource of resources) {
      for (const how of ['header', 'param', 'bearer'] as const) {
        const answer = await callAs(resource.name, tokens.access_token, how)
        expect(answer.status, `${resource.name} with the token as ${how}`).toBe(200)
        expect((await envelope(answer)).result).toBe(true)
      }
    }
  })

  it('refuses a wrong code_verifier, a reused code and a foreign redirect_uri', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const clientId = await addClient(code)
    const bkToken = await signedIn()
    const { verifier, challenge } = await pkce()
    const first = await authorize(clientId, bkToken, { challenge })
    const wrong = await exchange(clientId, first.code!, (await pkce()).verifier)
    expect(wrong.status).toBe(400)
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant')

    const second = await authorize(clientId, bkToken, { challenge })
    expect((await exchange(clientId, second.code!, verifier)).status).toBe(200)
    const reused = await exchange(clientId, second.code!, verifier)
    expect(reused.status).toBe(400)

    const foreign = await authorize(clientId, bkToken, { challenge, redirectUri: 'https://evil.example/callback' })
    expect(foreign.page.status).toBe(400)
    expect(foreign.page.headers.get('Location')).toBeNull()
    const third = await authorize(clientId, bkToken, { challenge })
    expect((await exchange(clientId, third.code!, verifier, 'https://evil.example/callback')).status).toBe(400)
  })

  it('sends the browser back with access_denied on Deny, and refuses a consent posted without its browser cookie', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const clientId = await addClient(code)
    const bkToken = await signedIn()
    const { challenge } = await pkce()
    const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, state: 'st', code_challenge: challenge, code_challenge_method: 'S256' })
    const page = await send(`/oauth/authorize?${query}`, { headers: { Cookie: `bk_token=${bkToken}` } })
    const handle = /name="handle" value="([^"]+)"/.exec(await page.text())![1]!
    const forged = await send('/oauth/authorize', { ...form({ handle, decision: 'allow' }), headers: { ...form({}).headers, Cookie: `bk_token=${bkToken}` } })
    expect(forged.headers.get('Location') ?? '').not.toContain('code=')

    const again = await authorize(clientId, bkToken, { challenge })
    const denied = await send('/oauth/authorize', { ...form({ handle: 'x', decision: 'deny' }), headers: { ...form({}).headers, Cookie: again.cookie ?? '' } })
    expect(denied.headers.get('Location') ?? '').not.toContain('code=')
  })

  it('refuses a code older than 60 s', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const clientId = await addClient(code)
    const { verifier, challenge } = await pkce()
    const flow = await authorize(clientId, await signedIn(), { challenge })
    const [userId, grantId] = flow.code!.split(':')
    const key = `grant:${userId}:${grantId}`
    // The authorization server's store, which the tests bind too (vitest.config.ts).
    const { OAUTH_KV } = env as Env & { OAUTH_KV: KVNamespace }
    const grant = (await OAUTH_KV.get<{ createdAt: number }>(key, 'json'))!
    await OAUTH_KV.put(key, JSON.stringify({ ...grant, createdAt: grant.createdAt - 61 }))
    const res = await exchange(clientId, flow.code!, verifier)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error_description: string }).error_description).toContain('expired')
  })
})

describe('refusals in BlueKing words', () => {
  it('400 1640001 "access_token is invalid" in the header and param forms; 401 with WWW-Authenticate as Bearer', async () => {
    for (const bad of ['nope', 'a:b:c', 'x'.repeat(513)]) {
      for (const how of ['header', 'param'] as const) {
        const res = await callAs('get_task_status', bad, how)
        expect(res.status).toBe(400)
        const body = await envelope(res)
        expect(body).toMatchObject({ code: 1640001, code_name: 'INVALID_ARGS', message: 'Parameters error [reason="access_token is invalid"]' })
      }
      const bearer = await callAs('get_task_status', bad, 'bearer')
      expect(bearer.status).toBe(401)
      expect(bearer.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_token"')
      expect(await envelope(bearer)).toMatchObject({ code: 1640100, code_name: 'UNAUTHORIZED', message: 'Unauthorized [reason="access_token is invalid"]' })
    }
  })

  it('uses the header alone when it is present, as BlueKing does', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const { tokens } = await signIn(code)
    const res = await send(`/api/c/compapi/v2/sops/get_task_status/?bk_biz_id=2&task_id=12&access_token=${tokens.access_token}`, {
      headers: { 'X-Bkapi-Authorization': '{}', Authorization: `Bearer ${tokens.access_token}` },
    })
    expect((await envelope(res)).message).toContain('app code cannot be empty')
  })
})

describe('scope', () => {
  it('allows only what both the app and the token allow', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code, { resources: ['get_task_status', 'operate_node'], biz: ['2', '3'] })
    const { tokens } = await signIn(code, { clientScope: ['resource:get_task_status', 'resource:operate_task', 'biz:*'], scope: 'resource:get_task_status resource:operate_task biz:2' })
    expect(tokens.scope).toBe('resource:get_task_status resource:operate_task biz:2')
    expect((await callAs('get_task_status', tokens.access_token, 'bearer')).status).toBe(200)
    const otherBiz = await callAs('get_task_status', tokens.access_token, 'bearer', { bk_biz_id: '3', task_id: '12' })
    expect(otherBiz.status).toBe(403)
    expect((await envelope(otherBiz)).message).toContain("within the access_token's scope")
    // In the token's scope, but not in the app's grants.
    expect((await callAs('operate_task', tokens.access_token, 'bearer')).status).toBe(403)
    // In the app's grants, but not in the token's scope.
    expect((await callAs('operate_node', tokens.access_token, 'bearer')).status).toBe(403)
  })

  it('never grants more than the client was registered for', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const { tokens } = await signIn(code, { clientScope: ['resource:get_task_status', 'biz:2'], scope: 'resource:* biz:*' })
    expect(tokens.scope).toBe('resource:get_task_status biz:2')
    expect((await callAs('operate_node', tokens.access_token, 'header')).status).toBe(403)
  })
})

describe('refresh and revocation', () => {
  it('rotates refresh tokens and refuses a superseded one', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const { clientId, tokens } = await signIn(code)
    const second = (await (await refresh(clientId, tokens.refresh_token)).json()) as { access_token: string; refresh_token: string }
    expect(second.refresh_token).not.toBe(tokens.refresh_token)
    expect((await callAs('get_task_status', second.access_token, 'bearer')).status).toBe(200)
    // The first is still the grace token until its successor is used; once it is, the first is refused.
    const third = await refresh(clientId, second.refresh_token)
    expect(third.status).toBe(200)
    const superseded = await refresh(clientId, tokens.refresh_token)
    expect(superseded.status).toBe(400)
    expect(((await superseded.json()) as { error: string }).error).toBe('invalid_grant')
  })

  it('refuses a token revoked through RFC 7009 at once, and a grant revoked by another isolate within the bound', { timeout: 30_000 }, async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const { clientId, tokens } = await signIn(code)
    expect((await callAs('get_task_status', tokens.access_token, 'bearer')).status).toBe(200)
    expect((await send('/oauth/token', form({ token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: clientId }))).status).toBe(200)
    expect((await callAs('get_task_status', tokens.access_token, 'bearer')).status).toBe(401)

    // Another isolate revokes a grant: it writes the feed, and OAUTH_KV here still shows the token.
    const other = await signIn(code, { username: 'dave' })
    expect((await callAs('get_task_status', other.tokens.access_token, 'header')).status).toBe(200)
    const [userId, grantId] = other.tokens.access_token.split(':') as [string, string]
    const revokedAt = Date.now()
    await Promise.all(Array.from({ length: FEED_REPLICAS }, (_, r) => env.CREDENTIAL_FEED.getByName(replicaName(r)).append([{ key: grantRevokedKey(userId, grantId), record: null }])))
    while ((await callAs('get_task_status', other.tokens.access_token, 'header')).status === 200) {
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(REVOCATION_BOUND_MS + 1_000)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const refused = await callAs('get_task_status', other.tokens.access_token, 'header')
    expect((await envelope(refused)).message).toContain('access_token is invalid')
  })

  it('revokes a client\'s grants from the admin endpoint', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const { clientId, tokens } = await signIn(code, { username: 'erin' })
    expect((await callAs('get_task_status', tokens.access_token, 'bearer')).status).toBe(200)
    const res = await callWith({ ...vars, ADMIN_TOKEN }, `/_admin/clients/${clientId}/revoke-grants?user=erin`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(((await res.json()) as { data: { revoked: number } }).data.revoked).toBe(1)
    expect((await callAs('get_task_status', tokens.access_token, 'bearer')).status).toBe(401)
    expect((await refresh(clientId, tokens.refresh_token)).status).toBe(400)
  })
})

describe('no token leaves the edge', () => {
  it('sends the origin and the access log nothing of a token or a code, in any form, on every resource in both URL forms', { timeout: 60_000 }, async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const { clientId, code: spentCode, tokens } = await signIn(code, { username: 'leak-check' })
    const unspentCode = (await authorize(clientId, await signedIn('leak-other'), { challenge: (await pkce()).challenge })).code!
    // The secret part of each (`<user>:<grant>:<secret>`): the user and grant ids may show, this never.
    const secrets = [tokens.access_token, tokens.refresh_token, spentCode, unspentCode].map((issued) => issued.split(':')[2]!)
    const config = { ...vars, LOG_FORMAT: 'json' }
    for (const resource of resources) {
      for (const urlForm of ['esb', 'gateway'] as const) {
        for (const how of ['header', 'param', 'bearer'] as const) {
          quiet.mockClear()
          const xRequestId = uniqueCode('leak')
          // The refresh token and a code ride along where a careless caller might put them.
          const params = { ...SAMPLES[resource.name], refresh_token: tokens.refresh_token, code: how === 'header' ? spentCode : unspentCode }
          const res = await callAs(resource.name, tokens.access_token, how, params, { urlForm, headers: { 'X-Request-ID': xRequestId }, config })
          const what = `${resource.name} in the ${urlForm} form with the token as ${how}`
          expect(res.status, what).toBe(200)
          const received = (await recordedAtOrigin(xRequestId))!
          // The token made the call: the origin was told its user.
          expect(decodeJwt(received.headers['x-bkapi-jwt']!).payload.user, what).toMatchObject({ username: 'leak-check', verified: true })
          const logged = JSON.stringify(quiet.mock.calls)
          expect(logged, what).toContain(xRequestId)
          for (const secret of secrets) {
            expect(originSaw(received), what).not.toContain(secret)
            expect(logged, what).not.toContain(secret)
          }
        }
      }
    }
  })
})

describe('the authorization server unreachable', () => {
  // A binding whose every call fails, as when the server's Worker is not deployed or is failing.
  const down = { AUTH: new Proxy({}, { get: () => () => Promise.reject(new Error('no such service')) }) as unknown as Fetcher }

  it('refuses an uncached token with a 500 that names it, and answers the OAuth pages with temporarily_unavailable', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const token = 'alice:grant0000:secret0000000000'
    const call = await callWith({ ...vars, ...down }, '/api/c/compapi/v2/sops/get_task_status/?bk_biz_id=2&task_id=12', { headers: { Authorization: `Bearer ${token}` } })
    expect(call.status).toBe(500)
    expect((await envelope(call)).message).toBe('Internal Server Error [reason="the authorization server is unavailable"]')
    for (const path of ['/.well-known/oauth-authorization-server', '/oauth/authorize?client_id=x']) {
      const page = await callWith({ ...vars, ...down }, path)
      expect(page.status).toBe(503)
      expect(await page.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the authorization server is unavailable' })
    }
  })
})
