/**
 * The token endpoint (and RFC 7009 revocation, which the library serves at the same URL), from the
 * library, with what the gateway adds around it: codes older than CODE_TTL_MS are refused, revoked
 * tokens are told to every isolate through the credential feed, and only CORS_ORIGINS may read it
 * from a browser.
 */
import type { Context } from 'hono'
import type { Gateway } from '../http/context.ts'
import { allowsOrigin } from '../middleware/cors.ts'
import { publishRevoked, tokenDigest } from './revocations.ts'
import { CODE_TTL_MS, serveOAuth } from './server.ts'

/** A token request is a few hundred bytes. */
const MAX_BODY_BYTES = 8192
const PARTS = /^([^:]+):([^:]+):[^:]+$/

const oauthError = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status, headers: { 'Cache-Control': 'no-store' } })

/** The library keeps a code for 10 minutes; OAuth 2.1 wants it short-lived. */
async function codeTooOld(env: Env, code: string): Promise<boolean> {
  const [, userId, grantId] = PARTS.exec(code) ?? []
  if (!userId || !grantId) return false
  const grant = await env.OAUTH_KV.get<{ createdAt?: number; authCodeId?: string }>(`grant:${userId}:${grantId}`, 'json')
  return grant?.authCodeId !== undefined && grant.createdAt !== undefined && Date.now() - grant.createdAt * 1000 > CODE_TTL_MS
}

export async function tokenEndpoint(c: Context<Gateway>): Promise<Response> {
  if (Number(c.req.header('Content-Length') ?? 0) > MAX_BODY_BYTES) return oauthError(413, 'invalid_request', `the request body is larger than ${MAX_BODY_BYTES} bytes`)
  const body = await c.req.raw.text()
  if (body.length > MAX_BODY_BYTES) return oauthError(413, 'invalid_request', `the request body is larger than ${MAX_BODY_BYTES} bytes`)
  const form = new URLSearchParams(body)
  const grantType = form.get('grant_type')
  if (grantType === 'authorization_code' && (await codeTooOld(c.env, form.get('code') ?? ''))) {
    return oauthError(400, 'invalid_grant', 'the authorization code has expired')
  }
  const forwarded = new Request(c.req.raw.url, { method: c.req.method, headers: c.req.raw.headers, body: c.req.method === 'POST' ? body : null })
  const res = await serveOAuth(c, forwarded)
  const token = form.get('token')
  if (!grantType && token && res.ok) await told(c.env, token)
  return withoutForeignCors(c, res)
}

/** After a revocation: the token, and its grant when the library revoked that too (a refresh token). */
async function told(env: Env, token: string): Promise<void> {
  const [, userId, grantId] = PARTS.exec(token) ?? []
  const grantGone = userId && grantId && (await env.OAUTH_KV.get(`grant:${userId}:${grantId}`)) === null
  await publishRevoked(env, grantGone ? [{ userId, grantId }] : [], [await tokenDigest(token)])
}

/** The library lets any origin read the token endpoint; the gateway lets CORS_ORIGINS only. */
function withoutForeignCors(c: Context<Gateway>, res: Response): Response {
  const origin = c.req.header('Origin')
  if (origin === undefined || allowsOrigin(c.env, origin)) return res
  const copy = new Response(res.body, res)
  for (const name of [...copy.headers.keys()]) if (name.startsWith('access-control-')) copy.headers.delete(name)
  return copy
}
