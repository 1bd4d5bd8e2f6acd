/**
 * OAuth clients: public only (no secret, PKCE), each bound to one BlueKing app and a largest scope
 * (validated by the gateway's admin endpoint, ../../src/oauth/clients.ts). The library keeps the client
 * (`client:<id>`); this Worker keeps the binding beside it (`binding:<id>`), and which client is the
 * console's own (`console-client`).
 */
import type { OAuthHelpers } from '@cloudflare/workers-oauth-provider'
import { type Binding, type ValidClient, bindingSchema } from '../../src/oauth/clients.ts'
import type { GrantRef, ListedClient } from '../../src/oauth/service.ts'
import { grantsOf, revokeGrants } from './grants.ts'

const bindingKey = (clientId: string) => `binding:${clientId}`
const CONSOLE_KEY = 'console-client'

export async function bindingOf(env: Env, clientId: string): Promise<Binding | null> {
  return bindingSchema.safeParse(await env.OAUTH_KV.get(bindingKey(clientId), 'json')).data ?? null
}

export const consoleClientId = (env: Env) => env.OAUTH_KV.get(CONSOLE_KEY)

export async function addClient(env: Env, api: OAuthHelpers, input: ValidClient): Promise<string> {
  const client = await api.createClient({
    clientName: input.name,
    redirectUris: input.redirect_uris,
    tokenEndpointAuthMethod: 'none',
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
  })
  const binding: Binding = { bk_app_code: input.bk_app_code, scope: input.scope }
  await env.OAUTH_KV.put(bindingKey(client.clientId), JSON.stringify(binding))
  if (input.console) await env.OAUTH_KV.put(CONSOLE_KEY, client.clientId)
  return client.clientId
}

export async function listClients(env: Env, api: OAuthHelpers): Promise<ListedClient[]> {
  const listed: ListedClient[] = []
  let cursor: string | undefined
  do {
    const page = await api.listClients(cursor ? { cursor } : {})
    for (const client of page.items) {
      const binding = await bindingOf(env, client.clientId)
      listed.push({ client_id: client.clientId, name: client.clientName ?? '', redirect_uris: client.redirectUris, ...binding })
    }
    cursor = page.cursor
  } while (cursor)
  return listed
}

/** Removes the client and revokes all its grants: the ones revoked, or null when there is no such client. */
export async function removeClient(env: Env, api: OAuthHelpers, clientId: string): Promise<GrantRef[] | null> {
  if (!(await api.lookupClient(clientId))) return null
  const revoked = await revokeGrants(api, await grantsOf(env, clientId))
  await api.deleteClient(clientId)
  await env.OAUTH_KV.delete(bindingKey(clientId))
  if ((await consoleClientId(env)) === clientId) await env.OAUTH_KV.delete(CONSOLE_KEY)
  return revoked
}
