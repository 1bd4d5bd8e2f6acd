import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'
import { constantTimeEqual, secretHash } from '../credentials/hash.ts'
import { APP_CODE_MAX, APP_SECRET_MAX } from '../credentials/records.ts'
import { findApp } from '../credentials/store.ts'
import { GatewayError } from '../errors.ts'

const refuse = (reason: string) => new GatewayError('INVALID_ARGS', { reason })

/**
 * The app check, in BlueKing's order and words (bk-apigw-reference §3.1). An unknown app and a wrong
 * secret get the same answer, so app codes cannot be enumerated.
 */
export const verifyApp = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const { appCode, appSecret, problem } = c.get('credentials')
    if (problem) throw refuse(problem)
    if (!appCode) throw refuse('app code cannot be empty')
    if (!appSecret) throw refuse('please provide bk_app_secret or bk_signature to verify app')
    if (appCode.length > APP_CODE_MAX) throw refuse(`app code cannot be longer than ${APP_CODE_MAX} characters`)
    if (appSecret.length > APP_SECRET_MAX) throw refuse(`app secret cannot be longer than ${APP_SECRET_MAX} characters`)
    if (!c.env.CREDENTIAL_PEPPER) throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'CREDENTIAL_PEPPER is not configured' })

    const [app, hash] = await Promise.all([findApp(c.env, appCode), secretHash(c.env.CREDENTIAL_PEPPER, appCode, appSecret)])
    // Both stored secrets are compared, so the time taken does not tell which one matched.
    const matches = app?.secrets.map((s) => constantTimeEqual(s.hash, hash)) ?? []
    if (!app || !matches.includes(true)) throw refuse('bk_app_code or bk_app_secret is incorrect')
    if (app.disabled) throw refuse(`app ${appCode} is disabled`)
    c.set('app', app)
    await next()
  })
