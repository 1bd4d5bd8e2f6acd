import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'
import { findToken } from '../credentials/store.ts'
import { GatewayError } from '../errors.ts'

const refuse = (reason: string) => new GatewayError('INVALID_ARGS', { reason })

/**
 * The user check (bk-apigw-reference §4): a bk_token gives a verified user and, when it fails, never
 * falls back to bk_username; a bare bk_username is accepted only for an app exempt from user
 * verification. Every resource requires a user.
 */
export const verifyUser = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const { bkToken, username } = c.get('credentials')
    if (bkToken) {
      const token = await findToken(c.env, bkToken)
      if (!token) throw refuse('bk_token is not valid')
      if (token.expires_at <= Date.now()) throw refuse('bk_token has expired')
      c.set('user', { username: token.username, verified: true })
    } else if (username) {
      if (!c.get('app').user_exempt) throw refuse('user authentication failed, the user indicated by bk_username is not verified')
      c.set('user', { username, verified: false })
    } else {
      throw refuse('user authentication failed, please provide a valid user identity, such as bk_username, bk_token, access_token')
    }
    await next()
  })
