/** Drives the OAuth flow in workerd as a browser and a public client would (issue 18). */
import { env } from 'cloudflare:workers'
import * as oauth from 'oauth4webapi'
import { expect, inject } from 'vitest'
import app from '../../src/http/app.ts'
import type { LoginStorage } from '../../src/http/login.ts'
import { callWith, fakeOrigin, seedToken, uniqueCode } from './helpers.ts'

export const ADMIN_TOKEN = 'test-admin-token'
export const BASE = 'https://gateway.test'
export const REDIRECT_URI = 'https://front.example/callback'
export const vars = { ORIGIN_URL: fakeOrigin('ok'), ADMIN_TOKEN }
/** Where the authorization server sends a browser not signed in to BlueKing. */
export const BK_LOGIN_URL = inject('authVars').BK_LOGIN_URL

export const send = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  callWith(vars, path, init)

/** A fetch that reaches the gateway app, for clients given one (the PKCE login, sopsClient). */
export const gatewayFetch = async (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init), { ...env, ...vars })

/** What a tab's sessionStorage is to the PKCE login, over a Map the test can read. */
export function memoryStorage(): LoginStorage & { items: Map<string, string> } {
  const items = new Map<string, string>()
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) }
}

export const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})

/** Registers a client through the admin endpoint, as `npm run admin -- client add` does. */
export async function addClient(appCode: string, scope?: string[]): Promise<string> {
  const res = await send('/_admin/clients', {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Test front-end', bk_app_code: appCode, redirect_uris: [REDIRECT_URI], ...(scope ? { scope } : {}) }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { data: { client_id: string } }).data.client_id
}

/** A signed-in BlueKing user: a bk_token in the store. */
export async function signedIn(username = 'alice'): Promise<string> {
  const bkToken = uniqueCode('bk')
  await seedToken(bkToken, username)
  return bkToken
}

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';', 1)[0]!)

/** Authorize → consent page → Allow: the code, and what the consent page said. */
export async function authorize(clientId: string, bkToken: string, { scope = '', challenge = '', redirectUri = REDIRECT_URI } = {}) {
  const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 'st', code_challenge: challenge, code_challenge_method: 'S256' })
  if (scope) query.set('scope', scope)
  return consent(`/oauth/authorize?${query}`, bkToken)
}

/** The signed-in user at an authorization URL: the consent page, then the decision (Allow unless told). */
export async function consent(authorizeUrl: string, bkToken: string, decision: 'allow' | 'deny' = 'allow') {
  const page = await send(authorizeUrl, { headers: { Cookie: `bk_token=${bkToken}` } })
  const html = await page.text()
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1]
  if (page.status !== 200 || !handle) return { page, html }
  const cookie = [`bk_token=${bkToken}`, ...cookiesOf(page)].join('; ')
  const allowed = await send('/oauth/authorize', { ...form({ handle, decision }), headers: { ...form({}).headers, Cookie: cookie } })
  const location = new URL(allowed.headers.get('Location') ?? '', BASE)
  return { page, html, allowed, location, code: location.searchParams.get('code') ?? '', handle, cookie }
}

export async function pkce() {
  const verifier = oauth.generateRandomCodeVerifier()
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) }
}

export interface Tokens {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
  scope: string
}

export const exchange = (clientId: string, code: string, verifier: string, redirectUri = REDIRECT_URI) =>
  send('/oauth/token', form({ grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri }))

export const refresh = (clientId: string, refreshToken: string) =>
  send('/oauth/token', form({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }))

/** Discovery → authorize (cookie user) → consent → code → token with PKCE. */
export async function signIn(appCode: string, { username = 'alice', scope = '', clientScope }: { username?: string; scope?: string; clientScope?: string[] } = {}) {
  const clientId = await addClient(appCode, clientScope)
  const { verifier, challenge } = await pkce()
  const { code } = await authorize(clientId, await signedIn(username), { scope, challenge })
  const res = await exchange(clientId, code ?? '', verifier)
  expect(res.status).toBe(200)
  return { clientId, code: code ?? '', tokens: (await res.json()) as Tokens }
}
