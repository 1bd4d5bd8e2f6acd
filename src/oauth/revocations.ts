/**
 * Revoked OAuth grants and access tokens, told to every isolate through the credential feed (as app
 * and bk_token records are), so a revocation is refused everywhere within REVOCATION_BOUND_MS even
 * where OAUTH_KV still shows the token for up to a minute. Ids are random: a revocation never undoes.
 */
import { sha256Hex } from '../credentials/hash.ts'
import { publishChanges } from '../credentials/write.ts'
import type { GrantRef } from './service.ts'

export const grantRevokedKey = (userId: string, grantId: string) => `oauth-grant:${userId}:${grantId}`
export const tokenRevokedKey = (tokenDigest: string) => `oauth-token:${tokenDigest}`

export async function publishRevoked(env: Env, grants: GrantRef[], tokens: string[] = []): Promise<void> {
  const digests = await Promise.all(tokens.map(tokenDigest))
  const keys = [...grants.map((g) => grantRevokedKey(g.userId, g.grantId)), ...digests.map(tokenRevokedKey)]
  await publishChanges(env, keys.map((key) => ({ key, record: null })), 'revoked in OAUTH_KV')
}

/** The token's digest: how caches and the feed name a token, never the token itself. */
export const tokenDigest = (token: string) => sha256Hex(token)
