/** `token …`: bk_tokens of verified users, stored under their SHA-256 only. */
import { tokenHash } from '../../../src/credentials/hash.ts'
import type { Command } from '../command.ts'
import { option } from '../command.ts'
import { describeToken, tokenView } from '../describe.ts'
import { UserError } from '../errors.ts'
import { duration } from '../input.ts'
import { addToken, loadToken, revokeToken } from '../tokens.ts'

const DEFAULT_TOKEN_TTL = '8h'

export const TOKEN_COMMANDS: Record<string, Command> = {
  'token add': {
    usage: `token add <bk_token> <username> [--ttl ${DEFAULT_TOKEN_TTL}]`,
    help: `Stores a bk_token (as its SHA-256) that identifies <username> as a verified user until it expires
(--ttl: 90s, 30m, 8h, 7d; default ${DEFAULT_TOKEN_TTL}). Adding an existing token replaces it.`,
    args: { required: 2 },
    options: { ttl: { type: 'string' } },
    async run(ctx) {
      const [bkToken, username] = ctx.args as [string, string]
      const ttl = duration(option(ctx.values, 'ttl') ?? DEFAULT_TOKEN_TTL, '--ttl')
      const token = tokenView(await addToken(await ctx.kv(), bkToken, username, ttl), await tokenHash(bkToken))
      return { text: `bk_token for ${token.username} valid until ${token.expires_at}`, json: token }
    },
  },
  'token revoke': {
    usage: 'token revoke <bk_token>',
    help: 'Deletes a bk_token; it is refused from then on, everywhere within 10 s.',
    args: { required: 1 },
    async run(ctx) {
      const bkToken = ctx.args[0]!
      const token = tokenView(await revokeToken(await ctx.kv(), bkToken), await tokenHash(bkToken))
      return { text: `revoked the bk_token of ${token.username}`, json: token }
    },
  },
  'token show': {
    usage: 'token show <bk_token>',
    help: 'Shows whose a bk_token is and when it expires.',
    args: { required: 1 },
    async run(ctx) {
      const bkToken = ctx.args[0]!
      const record = await loadToken(await ctx.kv(), bkToken)
      if (!record) throw new UserError('no such bk_token')
      const token = tokenView(record, await tokenHash(bkToken))
      return { text: describeToken(token), json: token }
    },
  },
}
