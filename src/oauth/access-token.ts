/**
 * Access tokens issued by the authorization server (../../auth/, bound as AUTH), checked the way app
 * secrets are: a per-isolate cache keyed by the token's digest, so the hot path rarely asks the server
 * and never calls a Durable Object, and the credential feed, which drops a revoked token's entry within
 * the revocation bound and refuses it where OAUTH_KV still shows it.
 */
import { BoundedCache, ENTRY_OVERHEAD_BYTES, stringBytes } from '../lib/bounded-cache.ts'
import { ACCESS_TOKEN_MAX } from '../credentials/records.ts'
import { CACHE_MAX_BYTES, type Source, cacheTtlMs, onCredentialChange, recentlyWritten } from '../credentials/store.ts'
import { grantRevokedKey, tokenDigest, tokenRevokedKey } from './revocations.ts'
import { type Grants, parseScope } from './scope.ts'
import { askServer, oauthService } from './server.ts'

/** What a valid token proves: its client's app, its user, and its scope. */
export interface TokenGrant {
  appCode: string
  username: string
  scope: Grants
  /** Unix time in milliseconds. */
  expiresAt: number
}

export type TokenCheck = { grant: TokenGrant; from: Source } | { refused: string; from: Source }

interface Entry {
  grant: TokenGrant
  /** Feed keys whose write revokes the token. */
  revokedBy: [string, string]
  cachedUntil: number
}

/** The library's token: `<userId>:<grantId>:<secret>`. */
const TOKEN_FORMAT = /^([A-Za-z0-9._~%-]+):([A-Za-z0-9_-]+):[A-Za-z0-9_-]+$/

/** Checked tokens by the token's digest, bounded in bytes as the other credential caches are. */
const cache = new BoundedCache<Entry>(CACHE_MAX_BYTES.accessTokens, (digest, entry) => stringBytes(digest) + stringBytes(JSON.stringify(entry)) + ENTRY_OVERHEAD_BYTES)
onCredentialChange((key) => {
  if (key === null) cache.clear()
  else if (key.startsWith('oauth-')) cache.deleteWhere((entry) => entry.revokedBy.includes(key))
})

export const INVALID_TOKEN = 'access_token is invalid'

const expired = (username: string) => `the access_token of the user(${username}) has expired, please re-authorize`

const revoked = (keys: readonly string[]) => keys.some((key) => recentlyWritten(key) !== undefined)

/** The token's grant, or BlueKing's reason to refuse it. `origin` is the issuer it must come from. */
export async function checkAccessToken(env: Env, origin: string, token: string): Promise<TokenCheck> {
  const parts = token.length <= ACCESS_TOKEN_MAX ? TOKEN_FORMAT.exec(token) : null
  if (!parts) return { refused: INVALID_TOKEN, from: 'isolate' }
  const digest = await tokenDigest(token)
  const now = Date.now()
  const cached = cache.get(digest)
  // An expired token never comes back: its entry may say so for as long as it stays.
  if (cached && cached.grant.expiresAt <= now) return { refused: expired(cached.grant.username), from: 'isolate' }
  if (cached && cached.cachedUntil > now) return { grant: cached.grant, from: 'isolate' }
  const revokedBy: [string, string] = [tokenRevokedKey(digest), grantRevokedKey(parts[1]!, parts[2]!)]
  const valid = await askServer(oauthService(env).validate(origin, token))
  // OAUTH_KV may still show a token revoked a moment ago elsewhere; the feed has it already.
  if (!valid || revoked(revokedBy)) return { refused: INVALID_TOKEN, from: 'kv' }
  const scope = parseScope(valid.scope)
  if (!('grants' in scope)) return { refused: INVALID_TOKEN, from: 'kv' }
  const grant = { appCode: valid.appCode, username: valid.username, scope: scope.grants, expiresAt: valid.expiresAt }
  // The gateway's clock decides, as it does for a cached token: the server may run a moment behind.
  if (grant.expiresAt <= now) return { refused: expired(grant.username), from: 'kv' }
  cache.set(digest, { grant, revokedBy, cachedUntil: now + cacheTtlMs(env) })
  return { grant, from: 'kv' }
}
