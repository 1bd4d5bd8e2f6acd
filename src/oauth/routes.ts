/** The OAuth endpoints on the public side of the gateway (CORS applies to them, as to the resources). */
import { Hono } from 'hono'
import type { Gateway } from '../http/context.ts'
import { RESOURCE_NAMES } from '../http/resources.ts'
import { decideConsent, showConsent } from './authorize.ts'
import { consoleClientId } from './clients.ts'
import { devLogin } from './dev-login.ts'
import { AUTHORIZE_PATH, CONSOLE_CLIENT_PATH, DEV_LOGIN_PATH, TOKEN_PATH } from './paths.ts'
import { serveOAuth } from './server.ts'
import { tokenEndpoint } from './token-endpoint.ts'

/** RFC 9728: this gateway's resources, the server that issues their tokens and how to send one. */
const protectedResource = (origin: string) => ({
  resource: origin,
  authorization_servers: [origin],
  bearer_methods_supported: ['header', 'body', 'query'],
  scopes_supported: ['resource:*', ...RESOURCE_NAMES.map((name) => `resource:${name}`), 'biz:*'],
  resource_name: 'BlueKing SOPS through sops-edge',
})

export const oauthRoutes = new Hono<Gateway>()
  .get('/.well-known/oauth-authorization-server', (c) => serveOAuth(c))
  .get('/.well-known/oauth-protected-resource', (c) => c.json(protectedResource(new URL(c.req.url).origin)))
  .get(AUTHORIZE_PATH, showConsent)
  .post(AUTHORIZE_PATH, decideConsent)
  .post(TOKEN_PATH, tokenEndpoint)
  /** The console's own client, which `npm run dev` (or `npm run admin -- client add … --console`) registers. */
  .get(CONSOLE_CLIENT_PATH, async (c) => {
    const clientId = await consoleClientId(c.env)
    return clientId ? c.json({ client_id: clientId }) : c.json({ error: 'no console client is registered' }, 404)
  })
  .on(['GET', 'POST'], DEV_LOGIN_PATH, devLogin)
