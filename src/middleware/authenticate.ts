/**
 * Who is calling (CONTRACT §3), in BlueKing's order and words (bk-apigw-reference §3–§4): the
 * credentials as BlueKing reads them, the app check, then the user check. Records how long it took and
 * whether the isolate's memory answered or KV had to (Server-Timing `auth`).
 */
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { timingSafeEqual } from 'hono/utils/buffer'
import { background } from '../lib/background.ts'
import type { Gateway, GatewayContext, GatewayVariables } from './context.ts'
import { type Credentials, parseAuthorizationHeader, readCredentials } from '../credentials/extract.ts'
import { credentialSetHash, secretHash } from '../credentials/hash.ts'
import { APP_CODE_MAX, APP_SECRET_MAX, type AppRecord, CREDENTIAL_VALUE_MAX } from '../credentials/records.ts'
import { type CachedAt, type Source, confirmCredentials, findApp, findAppFor, findToken, recall, remember } from '../credentials/store.ts'
import { INVALID_TOKEN, checkAccessToken } from '../oauth/access-token.ts'
import { GatewayError, UNAUTHORIZED_HEADERS } from '../lib/errors.ts'
import { clientIp } from '../lib/client-ip.ts'

const refuse = (reason: string) => new GatewayError('INVALID_ARGS', { reason })

export const authenticate = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const started = performance.now()
    const sources: Source[] = []
    try {
      const header = c.req.header('X-Bkapi-Authorization')
      const headerFields = header ? parseAuthorizationHeader(header) : undefined
      if (headerFields !== undefined) c.set('authorizationFields', headerFields)
      const credentials = readCredentials({
        header: headerFields,
        authorization: c.req.header('Authorization'),
        query: () => c.req.query(),
        body: c.get('body'),
        cookieToken: () => getCookie(c, 'bk_token'),
      })
      if (credentials.tokenFromCookie) refuseCrossSite(c)
      refuseOversized(credentials)
      const confirming = confirmCredentials(c.env, background(c))
      if (confirming) await confirming
      if (credentials.accessToken && !credentials.problem) {
        await verifyAccessToken(c, credentials, sources)
      } else {
        const { app, user } = await verify(c, credentials, sources)
        c.set('app', app)
        c.set('user', user)
      }
    } catch (error) {
      // A refusal shows the caller only its total time: which tier answered, and how fast, would tell
      // a known app from an unknown one.
      if (error instanceof GatewayError && (error.codeName === 'INVALID_ARGS' || error.codeName === 'UNAUTHORIZED')) c.get('timings').authRefused = true
      throw error
    } finally {
      c.get('timings').auth = { desc: sources.includes('kv') ? 'kv' : 'isolate', dur: performance.now() - started }
    }
    await next()
  })

/**
 * A browser adds the bk_token cookie to any site's request, but cannot send a cross-site POST with
 * Content-Type application/json without a CORS preflight: so a cookie counts only on such calls.
 */
function refuseCrossSite(c: GatewayContext): void {
  if (c.req.method === 'GET') return
  const mediaType = c.req.header('Content-Type')?.split(';', 1)[0]?.trim().toLowerCase()
  if (mediaType !== 'application/json') {
    throw refuse('the bk_token cookie is accepted only on GET requests or with Content-Type: application/json')
  }
}

/**
 * Every credential value is bounded before anything looks it up or keeps it (CONTRACT §3): a longer
 * one is refused as an invalid value. The app code and secret have BlueKing's own limits (refuseMalformedApp).
 */
function refuseOversized({ bkToken, username }: Credentials): void {
  if (bkToken.length > CREDENTIAL_VALUE_MAX) throw refuse('bk_token is not valid')
  if (username.length > CREDENTIAL_VALUE_MAX) throw refuse('user authentication failed, the user indicated by bk_username is not verified')
}

type User = GatewayVariables['user']

/**
 * The app and the user. Credentials that passed the checks before, against records still cached and
 * fresh, are recognised by one digest of them all; otherwise each is looked up and checked.
 */
async function verify(c: GatewayContext, credentials: Credentials, sources: Source[]): Promise<{ app: AppRecord; user: User }> {
  refuseMalformedApp(credentials)
  const pepper = pepperOf(c.env)
  const { appCode, appSecret, bkToken, username } = credentials
  const setHash = await credentialSetHash(pepper, [appCode, appSecret, bkToken, username])
  const known = recall(setHash)
  if (known) {
    sources.push('isolate')
    return { app: known.app, user: known.token ? { username: known.token.username, verified: true } : { username, verified: false } }
  }
  const app = await verifyApp(c, credentials, pepper, sources)
  const user = await verifyUser(c, credentials, app.record, sources)
  remember(setHash, { app: app.cachedAt, token: user.cachedAt })
  return { app: app.record, user: user.user }
}

/** The app credentials' own refusals, before anything digests them. */
function refuseMalformedApp({ appCode, appSecret, problem }: Credentials): void {
  if (problem) throw refuse(problem)
  if (!appCode) throw refuse('app code cannot be empty')
  if (!appSecret) throw refuse('please provide bk_app_secret or bk_signature to verify app')
  if (appCode.length > APP_CODE_MAX) throw refuse(`app code cannot be longer than ${APP_CODE_MAX} characters`)
  if (appSecret.length > APP_SECRET_MAX) throw refuse(`app secret cannot be longer than ${APP_SECRET_MAX} characters`)
}

function pepperOf(env: Env): string {
  if (!env.CREDENTIAL_PEPPER) throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'CREDENTIAL_PEPPER is not configured' })
  return env.CREDENTIAL_PEPPER
}

/** An unknown app and a wrong secret get the same answer, so app codes cannot be enumerated. */
async function verifyApp(
  c: GatewayContext,
  { appCode, appSecret }: Credentials,
  pepper: string,
  sources: Source[],
): Promise<{ record: AppRecord; cachedAt: CachedAt }> {
  const hash = await secretHash(pepper, appCode, appSecret)
  // Untrusted (local development), every client shares one budget: a made-up IP buys no more lookups.
  const client = clientIp(c.req.raw, c.env) ?? ''
  const found = await findAppFor(c.env, { appCode, secretHash: hash, client }, async (app) => {
    // Both stored secrets are compared, so the time taken does not tell which one matched.
    const matches = await Promise.all(app.secrets.map((s) => timingSafeEqual(s.hash, hash)))
    return matches.includes(true)
  })
  sources.push(found.from)
  if (!found.record) throw refuse('bk_app_code or bk_app_secret is incorrect')
  if (found.record.disabled) throw refuse(`app ${appCode} is disabled`)
  return found
}

/**
 * An access token proves its client's app and its user (BlueKing reads it before any app secret), and
 * narrows what the app may do to its scope. A refused Bearer token is RFC 6750's 401.
 */
async function verifyAccessToken(c: GatewayContext, { accessToken, bearer }: Credentials, sources: Source[]): Promise<void> {
  const refuseToken = (reason: string) =>
    bearer ? new GatewayError('UNAUTHORIZED', { reason }, { headers: UNAUTHORIZED_HEADERS }) : refuse(reason)
  const checked = await checkAccessToken(c.env, new URL(c.req.url).origin, accessToken)
  sources.push(checked.from)
  if ('refused' in checked) throw refuseToken(checked.refused)
  const { grant } = checked
  const { record, from } = await findApp(c.env, grant.appCode)
  sources.push(from)
  if (!record || record.disabled) throw refuseToken(record ? `app ${grant.appCode} is disabled` : INVALID_TOKEN)
  c.set('app', record)
  c.set('user', { username: grant.username, verified: true })
  c.set('tokenScope', grant.scope)
}

/**
 * A bk_token gives a verified user and, when it fails, never falls back to bk_username; a bare
 * bk_username is accepted only for an app exempt from user verification. Every resource requires a user.
 */
async function verifyUser(
  c: GatewayContext,
  { bkToken, username }: Credentials,
  app: AppRecord,
  sources: Source[],
): Promise<{ user: User; cachedAt: CachedAt | null }> {
  if (bkToken) {
    const found = await findToken(c.env, bkToken)
    sources.push(found.from)
    if (!found.record) throw refuse('bk_token is not valid')
    if (found.record.expires_at <= Date.now()) throw refuse('bk_token has expired')
    return { user: { username: found.record.username, verified: true }, cachedAt: found.cachedAt }
  }
  if (!username) throw refuse('user authentication failed, please provide a valid user identity, such as bk_username, bk_token, access_token')
  if (!app.user_exempt) throw refuse('user authentication failed, the user indicated by bk_username is not verified')
  return { user: { username, verified: false }, cachedAt: null }
}
