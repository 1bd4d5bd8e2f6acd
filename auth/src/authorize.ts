/**
 * The authorization page: the user is whoever BlueKing's login cookie `bk_token` names (the gateway
 * checks it against the token store and says who); without one the browser goes to BK_LOGIN_URL and
 * back. A consent page names the client, its app, the user and the scope; the library binds its form to
 * this browser (a single-use handle and a cookie), so another site can neither post it nor frame it.
 */
import { AuthorizationError, type AuthRequest, type OAuthHelpers, authorizationErrorRedirect } from '@cloudflare/workers-oauth-provider'
import { formatScope, intersect, parseScope } from '../../src/oauth/scope.ts'
import type { GatewaySide } from '../../src/oauth/service.ts'
import { bindingOf } from './clients.ts'
import { grantsOf } from './grants.ts'
import { PAGE_HEADERS, consentPage, errorPage } from './pages.ts'
import { helpersFor, userIdOf } from './server.ts'

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

/** The request's client, its app and the scope it may get; a reason when it may get nothing. */
async function scopeFor(env: Env, side: GatewaySide, request: AuthRequest): Promise<{ appCode: string; scope: string[] } | { refused: string }> {
  const binding = await bindingOf(env, request.clientId)
  if (!binding) return { refused: 'this client is bound to no BlueKing app' }
  if (!(await side.appUsable(binding.bk_app_code))) return { refused: `app ${binding.bk_app_code} is unknown or disabled` }
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

export async function authorize(request: Request, env: Env, side: GatewaySide): Promise<Response> {
  return request.method === 'POST' ? decideConsent(request, env, side) : showConsent(request, env, side)
}

async function showConsent(request: Request, env: Env, side: GatewaySide): Promise<Response> {
  const oauth = helpersFor(request, env)
  let authRequest: AuthRequest
  try {
    authRequest = await oauth.parseAuthRequest(request)
  } catch (error) {
    return refused(error)
  }
  if (!side.user) {
    if (!env.BK_LOGIN_URL) return htmlAnswer(401, errorPage('Sign in to BlueKing first, then come back to this page.'))
    const to = new URL(env.BK_LOGIN_URL, request.url)
    to.searchParams.set('c_url', request.url)
    return redirect(to.href)
  }
  const granted = await scopeFor(env, side, authRequest)
  if ('refused' in granted) return redirect(authorizationErrorRedirect(authRequest, 'invalid_scope', granted.refused))
  const described = await oauth.describeConsent(authRequest)
  const { handle, headers } = await oauth.beginConsent(authRequest)
  const facts = { handle, clientName: described.clientName, clientId: authRequest.clientId, redirectHost: described.redirectHost }
  return htmlAnswer(200, consentPage({ ...facts, appCode: granted.appCode, username: side.user, scope: granted.scope }), headers)
}

async function decideConsent(request: Request, env: Env, side: GatewaySide): Promise<Response> {
  const oauth = helpersFor(request, env)
  const form = await request.clone().formData()
  const handle = String(form.get('handle') ?? '')
  try {
    if (form.get('decision') !== 'allow' || !side.user) {
      const denied = await oauth.denyConsent(request, handle)
      return redirect(denied.redirectTo, denied.headers)
    }
    const approved = await oauth.approveConsent(request, handle)
    return redirect(await complete(env, side, oauth, approved.request, side.user), approved.headers)
  } catch (error) {
    return refused(error)
  }
}

/** Issues the code; the user's earlier grants to this client are revoked, everywhere within the bound. */
async function complete(env: Env, side: GatewaySide, oauth: OAuthHelpers, request: AuthRequest, username: string): Promise<string> {
  const granted = await scopeFor(env, side, request)
  if ('refused' in granted) return authorizationErrorRedirect(request, 'invalid_scope', granted.refused)
  const userId = userIdOf(username)
  const earlier = await grantsOf(env, request.clientId, userId)
  const { redirectTo } = await oauth.completeAuthorization({
    request,
    userId,
    metadata: { bk_app_code: granted.appCode },
    scope: granted.scope,
    props: { bk_app_code: granted.appCode },
  })
  // The library has revoked them in OAUTH_KV (revokeExistingGrants); isolates hear it from the feed.
  await side.revoked(earlier, [])
  return redirectTo
}
