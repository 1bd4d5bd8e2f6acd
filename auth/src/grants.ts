/** The grants OAUTH_KV holds (the library keys them `grant:<userId>:<grantId>`), found by client and user. */
import type { OAuthHelpers } from '@cloudflare/workers-oauth-provider'
import type { GrantRef } from '../../src/oauth/service.ts'

const GRANT_KEY = /^grant:([^:]+):([^:]+)$/

/** Every grant of the client, of one user or of all. */
export async function grantsOf(env: Env, clientId: string, userId?: string): Promise<GrantRef[]> {
  const found: GrantRef[] = []
  let cursor: string | undefined
  do {
    const page = await env.OAUTH_KV.list({ prefix: userId ? `grant:${userId}:` : 'grant:', ...(cursor ? { cursor } : {}) })
    for (const { name } of page.keys) {
      const [, user, grantId] = GRANT_KEY.exec(name) ?? []
      if (!user || !grantId) continue
      const grant = await env.OAUTH_KV.get<{ clientId?: string }>(name, 'json')
      if (grant?.clientId === clientId) found.push({ userId: user, grantId })
    }
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return found
}

/** Revokes the grants (their refresh and access tokens) in OAUTH_KV; the gateway tells its isolates. */
export async function revokeGrants(api: OAuthHelpers, grants: GrantRef[]): Promise<GrantRef[]> {
  for (const { userId, grantId } of grants) await api.revokeGrant(grantId, userId)
  return grants
}
