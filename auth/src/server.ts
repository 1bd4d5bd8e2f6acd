/**
 * The OAuth 2.1 authorization server, from @cloudflare/workers-oauth-provider: discovery (RFC 8414),
 * the token endpoint (authorization code with PKCE S256 only, refresh tokens that rotate), revocation
 * (RFC 7009), hashed storage in OAUTH_KV. This Worker adds the authorization page (./authorize.ts); the
 * gateway reads tokens the BlueKing way and asks here only whether one is valid.
 *
 * The issuer is the origin the gateway is called at, so the same Worker serves `npm run dev`, the tests
 * and a deployment without a setting; a token is valid only at the origin that issued it.
 */
import { OAuthAuthorizationServer } from '@cloudflare/workers-oauth-provider'
import { AUTHORIZE_PATH, TOKEN_PATH } from '../../src/oauth/paths.ts'

/** BlueKing's auth service issues tokens of 2 h; the issue asks for at most one. */
export const ACCESS_TOKEN_TTL_S = 3600
const REFRESH_TOKEN_TTL_S = 30 * 86_400
/** How long an authorization code may wait for its exchange (the library keeps it up to 10 minutes). */
export const CODE_TTL_MS = 60_000

const MAX_ISSUERS = 8
const servers = new Map<string, OAuthAuthorizationServer<Env>>()

/** The authorization server of one origin (a few at most: workers.dev and a custom domain). */
export function oauthServer(origin: string): OAuthAuthorizationServer<Env> {
  let server = servers.get(origin)
  if (!server) {
    if (servers.size >= MAX_ISSUERS) servers.clear()
    server = new OAuthAuthorizationServer<Env>({
      issuer: origin,
      resources: [origin],
      defaultResource: origin,
      authorizeEndpoint: AUTHORIZE_PATH,
      tokenEndpoint: TOKEN_PATH,
      accessTokenTTL: ACCESS_TOKEN_TTL_S,
      refreshTokenTTL: REFRESH_TOKEN_TTL_S,
    })
    servers.set(origin, server)
  }
  return server
}

export const originOf = (request: Request) => new URL(request.url).origin

/** The library's helpers for the request's origin. */
export const helpersFor = (request: Request, env: Env) => oauthServer(originOf(request)).getOAuthApi(env)

/** OAuth user ids may not hold `:` (it separates a token's parts): BlueKing user names are encoded. */
export const userIdOf = (username: string) => encodeURIComponent(username)
export const usernameOf = (userId: string) => decodeURIComponent(userId)
