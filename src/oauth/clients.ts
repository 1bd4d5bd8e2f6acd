/**
 * OAuth clients: public only (no secret, PKCE), each bound to one BlueKing app and a largest scope.
 * The library keeps the client (`client:<id>`); the gateway keeps the binding beside it
 * (`binding:<id>`), and which client is the console's own (`console-client`).
 */
import type { OAuthHelpers } from '@cloudflare/workers-oauth-provider'
import * as z from 'zod'
import { APP_CODE_MAX } from '../credentials/records.ts'
import { grantsOf, revokeGrants } from './grants.ts'
import { FULL_SCOPE, parseScope } from './scope.ts'

export const bindingSchema = z.object({
  bk_app_code: z.string().min(1).max(APP_CODE_MAX),
  scope: z.array(z.string()).refine((items) => 'grants' in parseScope(items), 'must be resource:<name>, resource:*, biz:<id> or biz:*'),
})
export type Binding = z.infer<typeof bindingSchema>

export const newClientSchema = z.object({
  name: z.string().min(1).max(100),
  bk_app_code: bindingSchema.shape.bk_app_code,
  redirect_uris: z.array(z.url({ protocol: /^https?$/ }).max(2048)).min(1).max(10),
  scope: bindingSchema.shape.scope.default(FULL_SCOPE),
  /** The console's own client: the one /oauth/console-client names. */
  console: z.boolean().default(false),
})
export type NewClient = z.input<typeof newClientSchema>

const bindingKey = (clientId: string) => `binding:${clientId}`
const CONSOLE_KEY = 'console-client'

export async function bindingOf(env: Env, clientId: string): Promise<Binding | null> {
  return bindingSchema.safeParse(await env.OAUTH_KV.get(bindingKey(clientId), 'json')).data ?? null
}

export const consoleClientId = (env: Env) => env.OAUTH_KV.get(CONSOLE_KEY)

export async function addClient(env: Env, api: OAuthHelpers, input: z.output<typeof newClientSchema>): Promise<string> {
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

export async function listClients(env: Env, api: OAuthHelpers) {
  const listed = []
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

/** Removes the client and revokes all its grants, everywhere within the revocation bound. */
export async function removeClient(env: Env, api: OAuthHelpers, clientId: string): Promise<boolean> {
  if (!(await api.lookupClient(clientId))) return false
  await revokeGrants(env, api, await grantsOf(env, clientId))
  await api.deleteClient(clientId)
  await env.OAUTH_KV.delete(bindingKey(clientId))
  if ((await consoleClientId(env)) === clientId) await env.OAUTH_KV.delete(CONSOLE_KEY)
  return true
}
