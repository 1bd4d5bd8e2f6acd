/**
 * The token endpoint (and RFC 7009 revocation, which the library serves at the same URL), from the
 * library, with what this Worker adds around it: codes older than CODE_TTL_MS are refused, and what a
 * revocation revoked is told to the gateway, whose feed tells every isolate. The gateway has bounded
 * the request's body and decides which browser origins may read the answer.
 */
import type { GatewaySide } from '../../src/oauth/service.ts'
import { CODE_TTL_MS, oauthServer, originOf } from './server.ts'
import { oauthError } from '../../src/oauth/oauth-error.ts'

/** A code, a refresh token or an access token of the library: `<userId>:<grantId>:<secret>`. */
const PARTS = /^([^:]+):([^:]+):[^:]+$/

/** The library keeps a code for 10 minutes; OAuth 2.1 wants it short-lived. */
async function codeTooOld(env: Env, code: string): Promise<boolean> {
  const [, userId, grantId] = PARTS.exec(code) ?? []
  if (!userId || !grantId) return false
  const grant = await env.OAUTH_KV.get<{ createdAt?: number; authCodeId?: string }>(`grant:${userId}:${grantId}`, 'json')
  return grant?.authCodeId !== undefined && grant.createdAt !== undefined && Date.now() - grant.createdAt * 1000 > CODE_TTL_MS
}

export async function token(request: Request, env: Env, ctx: ExecutionContext, side: Pick<GatewaySide, 'revoked'>): Promise<Response> {
  const form = await request.clone().formData()
  const grantType = form.get('grant_type')
  if (grantType === 'authorization_code' && (await codeTooOld(env, String(form.get('code') ?? '')))) {
    return oauthError(400, 'invalid_grant', 'the authorization code has expired')
  }
  const res = await oauthServer(originOf(request)).fetch(request, env, ctx)
  const revoked = form.get('token')
  if (!grantType && typeof revoked === 'string' && res.ok) await told(env, side, revoked)
  return res
}

/** After a revocation: the token, and its grant when the library revoked that too (a refresh token). */
async function told(env: Env, side: Pick<GatewaySide, 'revoked'>, token: string): Promise<void> {
  const [, userId, grantId] = PARTS.exec(token) ?? []
  const grantGone = userId && grantId && (await env.OAUTH_KV.get(`grant:${userId}:${grantId}`)) === null
  await side.revoked(grantGone ? [{ userId, grantId }] : [], [token])
}
