/**
 * The OAuth endpoints on the public side of the gateway (CORS applies to them, as to the resources).
 * The authorization server answers them over the AUTH binding; the gateway bounds what it forwards and
 * lends the server what only it knows: the cookie's user, whether an app may be used, and the feed.
 */
import { Hono } from 'hono'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { findApp, findToken } from '../credentials/store.ts'
import { CREDENTIAL_VALUE_MAX } from '../credentials/records.ts'
import type { Gateway } from '../middleware/context.ts'
import { readBounded } from '../lib/bounded-read.ts'
import { allowsOrigin } from '../middleware/cors.ts'
import { AUTHORIZE_PATH, CONSOLE_CLIENT_PATH, DEV_LOGIN_PATH, TOKEN_PATH } from '../oauth/paths.ts'
import { publishRevoked } from '../oauth/revocations.ts'
import { SCOPES_SUPPORTED } from '../oauth/scope.ts'
import { UNAVAILABLE, oauthService } from '../oauth/server.ts'
import type { GatewaySide } from '../oauth/service.ts'
import { oauthError } from '../oauth/oauth-error.ts'

type C = Context<Gateway>

/** A form of the sign-in flow (a token request, a consent decision) is a few hundred bytes. */
const MAX_FORM_BYTES = 8192

/** RFC 9728: this gateway's resources, the server that issues their tokens and how to send one. */
const protectedResource = (origin: string) => ({
  resource: origin,
  authorization_servers: [origin],
  bearer_methods_supported: ['header', 'body', 'query'],
  scopes_supported: SCOPES_SUPPORTED,
  resource_name: 'BlueKing SOPS through sops-edge',
})

/** The server needs the library's own cookies, never BlueKing's login: the gateway says who that is. */
function withoutLogin(headers: Headers): Headers {
  const copy = new Headers(headers)
  const kept = (copy.get('Cookie') ?? '').split(/;\s*/).filter((pair) => pair && !pair.startsWith('bk_token='))
  if (kept.length) copy.set('Cookie', kept.join('; '))
  else copy.delete('Cookie')
  return copy
}

/** The request as forwarded: its body read whole, or null when it is larger than a form of the flow. */
async function bounded(c: C): Promise<Request | null> {
  const { raw } = c.req
  // The server's redirects are the browser's to follow: a binding's fetch would follow them itself.
  const init = { headers: withoutLogin(raw.headers), redirect: 'manual' } as const
  if (raw.method !== 'POST') return new Request(raw.url, { ...init, method: raw.method })
  if (Number(raw.headers.get('Content-Length') ?? 0) > MAX_FORM_BYTES) return null
  const body = await readBounded(raw.body, MAX_FORM_BYTES)
  return body === null ? null : new Request(raw.url, { ...init, method: 'POST', body })
}

const tooLarge = () => oauthError(413, 'invalid_request', `the request body is larger than ${MAX_FORM_BYTES} bytes`)

/** The server's answer, or RFC 6749's temporarily_unavailable when it could not be reached. */
const answered = (call: Promise<Response>) => call.catch(() => oauthError(503, 'temporarily_unavailable', UNAVAILABLE))

const revoked = (c: C) => (grants: Parameters<GatewaySide['revoked']>[0], tokens: string[]) => publishRevoked(c.env, grants, tokens)

/** The signed-in BlueKing user: whoever a valid bk_token cookie names. */
async function cookieUser(c: C): Promise<string | null> {
  const token = getCookie(c, 'bk_token')
  if (!token || token.length > CREDENTIAL_VALUE_MAX) return null
  const { record } = await findToken(c.env, token)
  return record && record.expires_at > Date.now() ? record.username : null
}

async function authorize(c: C): Promise<Response> {
  const request = await bounded(c)
  if (!request) return tooLarge()
  const side: GatewaySide = {
    user: await cookieUser(c),
    appUsable: async (appCode) => {
      const { record } = await findApp(c.env, appCode)
      return Boolean(record && !record.disabled)
    },
    revoked: revoked(c),
  }
  return answered(oauthService(c.env).authorize(request, side))
}

async function token(c: C): Promise<Response> {
  const request = await bounded(c)
  if (!request) return tooLarge()
  return withoutForeignCors(c, await answered(oauthService(c.env).token(request, { revoked: revoked(c) })))
}

/** The library lets any origin read the token endpoint; the gateway lets CORS_ORIGINS only. */
function withoutForeignCors(c: C, res: Response): Response {
  const origin = c.req.header('Origin')
  if (origin === undefined || allowsOrigin(c.env, origin)) return res
  const copy = new Response(res.body, res)
  for (const name of [...copy.headers.keys()]) if (name.startsWith('access-control-')) copy.headers.delete(name)
  return copy
}

async function forward(c: C): Promise<Response> {
  const request = await bounded(c)
  if (!request) return tooLarge()
  // A service binding's answer has immutable headers; the gateway adds its own to every answer.
  const res = await answered(oauthService(c.env).fetch(request))
  return new Response(res.body, res)
}

export const oauthRoutes = new Hono<Gateway>()
  .get('/.well-known/oauth-protected-resource', (c) => c.json(protectedResource(new URL(c.req.url).origin)))
  .get('/.well-known/oauth-authorization-server', forward)
  .on(['GET', 'POST'], AUTHORIZE_PATH, authorize)
  .post(TOKEN_PATH, token)
  .get(CONSOLE_CLIENT_PATH, forward)
  .on(['GET', 'POST'], DEV_LOGIN_PATH, forward)
