/** The admin endpoint's OAuth clients (`npm run admin -- client …`), behind its bearer secret. */
import { Hono } from 'hono'
import type { Gateway } from '../http/context.ts'
import { GatewayError, jsonResponse, toProblems } from '../lib/errors.ts'
import { addClient, listClients, newClientSchema, removeClient } from './clients.ts'
import { grantsOf, revokeGrants } from './grants.ts'
import { oauthServer, userIdOf } from './server.ts'

const ok = (data: unknown, requestId: string) => jsonResponse(200, { result: true, code: 0, message: 'success', data, request_id: requestId })

export const clientsAdmin = new Hono<Gateway>()
  .get('/', async (c) => ok(await listClients(c.env, oauthServer(new URL(c.req.url).origin).getOAuthApi(c.env)), c.get('requestId')))
  .post('/', async (c) => {
    const parsed = newClientSchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) throw new GatewayError('REQUEST_PARAM_INVALID', { reason: toProblems(parsed.error.issues).map((p) => `${p.path}: ${p.message}`).join('; ') })
    try {
      const clientId = await addClient(c.env, oauthServer(new URL(c.req.url).origin).getOAuthApi(c.env), parsed.data)
      return ok({ client_id: clientId }, c.get('requestId'))
    } catch (error) {
      // The library refuses a redirect URI OAuth 2.1 forbids (plain http off loopback, a fragment).
      throw new GatewayError('REQUEST_PARAM_INVALID', { reason: error instanceof Error ? error.message : 'invalid client' })
    }
  })
  .delete('/:id', async (c) => {
    const removed = await removeClient(c.env, oauthServer(new URL(c.req.url).origin).getOAuthApi(c.env), c.req.param('id'))
    if (!removed) throw new GatewayError('REQUEST_PARAM_INVALID', { reason: 'no such client' })
    return ok(null, c.get('requestId'))
  })
  .post('/:id/revoke-grants', async (c) => {
    const user = c.req.query('user')
    const grants = await grantsOf(c.env, c.req.param('id'), user ? userIdOf(user) : undefined)
    await revokeGrants(c.env, oauthServer(new URL(c.req.url).origin).getOAuthApi(c.env), grants)
    return ok({ revoked: grants.length }, c.get('requestId'))
  })
