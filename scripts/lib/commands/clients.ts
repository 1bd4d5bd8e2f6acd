/** `client …`: OAuth 2.1 public clients (PKCE, no secret) of front-ends, each bound to one app. */
import type { Command } from '../command.ts'
import { option } from '../command.ts'

interface ListedClient {
  client_id: string
  name: string
  redirect_uris: string[]
  bk_app_code?: string
  scope?: string[]
}

export const CLIENT_COMMANDS: Record<string, Command> = {
  'client add': {
    usage: 'client add <name> --app <bk_app_code> --redirect-uri <uri> [--scope "resource:* biz:*"] [--console]',
    help: `Registers a public OAuth client (authorization code + PKCE S256, no client secret) whose tokens act as
the app, within --scope (resource:<name>, resource:*, biz:<id>, biz:project:<id>, biz:*; default all that
the app may do). --redirect-uri must match exactly (repeat it, comma-separated, for several); --console makes
it the console's own client. Prints the client_id.`,
    args: { required: 1 },
    options: { app: { type: 'string' }, 'redirect-uri': { type: 'string' }, scope: { type: 'string' }, console: { type: 'boolean' } },
    async run(ctx) {
      const scope = option(ctx.values, 'scope')
      const { client_id } = (await ctx.admin('POST', 'clients', {
        name: ctx.args[0],
        bk_app_code: option(ctx.values, 'app') ?? '',
        redirect_uris: (option(ctx.values, 'redirect-uri') ?? '').split(',').filter(Boolean),
        ...(scope ? { scope: scope.split(/[\s,]+/).filter(Boolean) } : {}),
        console: ctx.values.console === true,
      })) as { client_id: string }
      return { text: client_id, json: { client_id } }
    },
  },
  'client list': {
    usage: 'client list',
    help: 'Lists the OAuth clients: id, name, app, scope and redirect URIs.',
    args: { required: 0 },
    async run(ctx) {
      const clients = (await ctx.admin('GET', 'clients')) as ListedClient[]
      const lines = clients.map((c) => `${c.client_id}  ${c.name}  app=${c.bk_app_code ?? '?'}  scope=${(c.scope ?? []).join(' ')}  ${c.redirect_uris.join(' ')}`)
      return { text: lines.join('\n') || 'no clients', json: clients }
    },
  },
  'client remove': {
    usage: 'client remove <client_id>',
    help: 'Removes the client and revokes all its grants: its tokens are refused everywhere within 10 s.',
    args: { required: 1 },
    async run(ctx) {
      await ctx.admin('DELETE', `clients/${encodeURIComponent(ctx.args[0]!)}`)
      return { text: `removed ${ctx.args[0]}`, json: { client_id: ctx.args[0] } }
    },
  },
  'client revoke-grants': {
    usage: 'client revoke-grants <client_id> [--user <username>]',
    help: "Revokes the client's grants (of one user with --user): their tokens are refused everywhere within 10 s.",
    args: { required: 1 },
    options: { user: { type: 'string' } },
    async run(ctx) {
      const user = option(ctx.values, 'user')
      const { revoked } = (await ctx.admin('POST', `clients/${encodeURIComponent(ctx.args[0]!)}/revoke-grants${user ? `?user=${encodeURIComponent(user)}` : ''}`)) as { revoked: number }
      return { text: `revoked ${revoked} grant(s)`, json: { revoked } }
    },
  },
}
