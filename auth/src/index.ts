/**
 * The authorization server's Worker (issue 18), the OAuthService the gateway's AUTH binding reaches
 * (../../src/oauth/service.ts): @cloudflare/workers-oauth-provider's authorization server in a Worker of
 * its own, as the library describes for a resource server elsewhere, so the gateway's bundle carries
 * none of it. The gateway forwards the OAuth pages here and asks whether a token it has not cached is
 * valid; it lends what only it knows (the cookie's user, whether an app may be used) and tells its
 * isolates, through its credential feed, of what was revoked here.
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import { Hono } from 'hono'
import type { ValidClient } from '../../src/oauth/clients.ts'
import { CONSOLE_CLIENT_PATH, DEV_LOGIN_PATH } from '../../src/oauth/paths.ts'
import type { GatewaySide, GrantRef, ListedClient, OAuthService, ValidToken } from '../../src/oauth/service.ts'
import { authorize } from './authorize.ts'
import { addClient, consoleClientId, listClients, removeClient } from './clients.ts'
import { devLogin } from './dev-login.ts'
import { grantsOf, revokeGrants } from './grants.ts'
import { helpersFor, oauthServer, originOf, userIdOf, usernameOf } from './server.ts'
import { token } from './token.ts'

/** Every request's URL is the gateway's public one, which the gateway forwarded. */
const pages = new Hono<{ Bindings: Env }>()
  .get('/.well-known/oauth-authorization-server', (c) => oauthServer(originOf(c.req.raw)).fetch(c.req.raw, c.env, c.executionCtx as ExecutionContext))
  .get(CONSOLE_CLIENT_PATH, async (c) => {
    const clientId = await consoleClientId(c.env)
    return clientId ? c.json({ client_id: clientId }) : c.json({ error: 'no console client is registered' }, 404)
  })
  .on(['GET', 'POST'], DEV_LOGIN_PATH, devLogin)

/** The library's helpers need a URL only for the issuer, which client management never uses. */
const MANAGEMENT = new Request('https://authorization-server.internal/')

export default class AuthorizationServer extends WorkerEntrypoint<Env> implements OAuthService {
  override async fetch(request: Request): Promise<Response> {
    return pages.fetch(request, this.env, this.ctx)
  }

  authorize(request: Request, side: GatewaySide): Promise<Response> {
    return authorize(request, this.env, side)
  }

  token(request: Request, side: Pick<GatewaySide, 'revoked'>): Promise<Response> {
    return token(request, this.env, this.ctx, side)
  }

  async validate(origin: string, accessToken: string): Promise<ValidToken | null> {
    const valid = await oauthServer(origin).validateToken<{ bk_app_code: string }>(origin, accessToken, this.env)
    if (!valid) return null
    return { appCode: valid.props.bk_app_code, username: usernameOf(valid.userId), scope: valid.scope, expiresAt: valid.expiresAt * 1000 }
  }

  async addClient(client: ValidClient): Promise<string> {
    return addClient(this.env, helpersFor(MANAGEMENT, this.env), client)
  }

  listClients(): Promise<ListedClient[]> {
    return listClients(this.env, helpersFor(MANAGEMENT, this.env))
  }

  removeClient(clientId: string): Promise<GrantRef[] | null> {
    return removeClient(this.env, helpersFor(MANAGEMENT, this.env), clientId)
  }

  async revokeGrants(clientId: string, username?: string): Promise<GrantRef[]> {
    const grants = await grantsOf(this.env, clientId, username === undefined ? undefined : userIdOf(username))
    return revokeGrants(helpersFor(MANAGEMENT, this.env), grants)
  }
}
