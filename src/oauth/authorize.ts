/**
 * The authorization page: the user is whoever BlueKing's login cookie `bk_token` names (checked against
 * the token store, as on every call); without one the browser goes to BK_LOGIN_URL and back. A consent
 * page names the client, its app, the user and the scope; the library binds its form to this browser
 * (a single-use handle and a cookie), so another site can neither post it nor frame it.
 */
import { AuthorizationError, type AuthRequest, type OAuthHelpers, authorizationErrorRedirect } from '@cloudflare/workers-oauth-provider'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { Gateway } from '../http/context.ts'
import { findApp, findToken } from '../credentials/store.ts'
import { bindingOf } from './clients.ts'
import { grantsOf } from './grants.ts'
import { PAGE_HEADERS, consentPage, errorPage } from './pages.ts'
import { publishRevoked } from './revocations.ts'
import { formatScope, intersect, parseScope } from './scope.ts'
import { oauthServer, userIdOf } from './server.ts'

type C = Context<Gateway>

const htmlAnswer = async (status: number, body: Promise<string> | string, headers: HeadersInit = {}) => {
  const res = new Response(await body, { status, headers: { ...PAGE_HEADERS, 'Content-Type': 'text/html; charset=utf-8' } })
  new Headers(headers).forEach((value, name) => res.headers.append(name, value))
  return res
}

const redirect = (location: string, headers: HeadersInit = {}) => {
  const res = new Response(null, { status: 302, headers: { 'Cache-Control': 'no-store' } })
  new Headers(headers).forEach((value, name) => res.headers.append(name, value))
  res.headers.set('Location', location)
  return res
}

const api = (c: C) => oauthServer(new URL(c.req.url).origin).getOAuthApi(c.env)

/** The signed-in BlueKing user, from the bk_token cookie. */
async function cookieUser(c: C): Promise<string | undefined> {
  const token = getCookie(c, 'bk_token')
  if (!token || token.length > 128) return undefined
  const { record } = await findToken(c.env, token)
  return record && record.expires_at > Date.now() ? record.username : undefined
}

/** The request's client, its app and the scope it may get; a reason when it may get nothing. */
async function scopeFor(c: C, request: AuthRequest): Promise<{ appCode: string; scope: string[] } | { refused: string }> {
  const binding = await bindingOf(c.env, request.clientId)
  if (!binding) return { refused: 'this client is bound to no BlueKing app' }
  const { record } = await findApp(c.env, binding.bk_app_code)
  if (!record || record.disabled) return { refused: `app ${binding.bk_app_code} is unknown or disabled` }
  const allowed = parseScope(binding.scope)
  const requested = parseScope(request.scope)
  if (!('grants' in allowed)) return { refused: 'the client has an invalid scope' }
  if (!('grants' in requested)) return { refused: `unknown scope ${requested.badItem}` }
  const scope = request.scope.length ? intersect(requested.grants, allowed.grants) : allowed.grants
  return { appCode: binding.bk_app_code, scope: formatScope(scope) }
}

/** A request error: back to the client when the library vouched for its redirect URI, else a page. */
function refused(error: unknown) {
  if (!(error instanceof AuthorizationError)) throw error
  if (!error.redirectUri) return htmlAnswer(400, errorPage(error.description))
  return redirect(authorizationErrorRedirect({ redirectUri: error.redirectUri, state: error.state ?? '', issuer: error.issuer }, error.code, error.description))
}

export async function showConsent(c: C): Promise<Response> {
  const oauth = api(c)
  let request: AuthRequest
  try {
    request = await oauth.parseAuthRequest(c.req.raw)
  } catch (error) {
    return refused(error)
  }
  const username = await cookieUser(c)
  if (!username) {
    const login = c.env.BK_LOGIN_URL
    if (!login) return htmlAnswer(401, errorPage('Sign in to BlueKing first, then come back to this page.'))
    const to = new URL(login, c.req.url)
    to.searchParams.set('c_url', c.req.url)
    return redirect(to.href)
  }
  const granted = await scopeFor(c, request)
  if ('refused' in granted) {
    return redirect(authorizationErrorRedirect({ ...request, issuer: request.issuer }, 'invalid_scope', granted.refused))
  }
  const described = await oauth.describeConsent(request)
  const { handle, headers } = await oauth.beginConsent(request)
  const facts = { handle, clientName: described.clientName, clientId: request.clientId, redirectHost: described.redirectHost }
  return htmlAnswer(200, consentPage({ ...facts, appCode: granted.appCode, username, scope: granted.scope }), headers)
}

export async function decideConsent(c: C): Promise<Response> {
  const oauth = api(c)
  const form = await c.req.raw.clone().formData()
  const handle = String(form.get('handle') ?? '')
  const username = await cookieUser(c)
  try {
    if (form.get('decision') !== 'allow' || !username) {
      const denied = await oauth.denyConsent(c.req.raw, handle)
      return redirect(denied.redirectTo, denied.headers)
    }
    const approved = await oauth.approveConsent(c.req.raw, handle)
    return redirect(await complete(c, oauth, approved.request, username), approved.headers)
  } catch (error) {
    return refused(error)
  }
}

/** Issues the code; the user's earlier grants to this client are revoked, everywhere within the bound. */
async function complete(c: C, oauth: OAuthHelpers, request: AuthRequest, username: string): Promise<string> {
  const granted = await scopeFor(c, request)
  if ('refused' in granted) return authorizationErrorRedirect(request, 'invalid_scope', granted.refused)
  const userId = userIdOf(username)
  const earlier = await grantsOf(c.env, request.clientId, userId)
  const { redirectTo } = await oauth.completeAuthorization({
    request,
    userId,
    metadata: { bk_app_code: granted.appCode },
    scope: granted.scope,
    props: { bk_app_code: granted.appCode },
  })
  await publishRevoked(c.env, earlier)
  return redirectTo
}
