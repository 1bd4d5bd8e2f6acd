/**
 * The admin endpoint: the credential records, read and written over HTTPS by `npm run admin -- --remote`
 * (and by the CLI against a running `npm run dev`). It exists only when the ADMIN_TOKEN secret is set,
 * takes it as a bearer token compared in constant time, sits outside the public routes and CORS, and
 * logs one audit line per call (never a record: they hold secret hashes).
 */
import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import { timingSafeEqual } from 'hono/utils/buffer'
import type { Gateway } from './context.ts'
import { listKeyNames } from '../credentials/list.ts'
import { checkRecord, isCredentialKey, writeCredential } from '../credentials/write.ts'
import { GatewayError, bounded, jsonResponse } from '../lib/errors.ts'
import { clientIp } from '../observability/client-ip.ts'

const onlyWithToken = createMiddleware<Gateway>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN
  // Without the secret the endpoint does not exist: the gateway's own 404, as for any unknown path.
  if (!expected) return c.notFound()
  const given = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '')?.[1] ?? ''
  const allowed = await timingSafeEqual(given, expected)
  audit(c.req.method, bounded(new URL(c.req.url).pathname, 120), allowed ? 'authorized' : 'refused', clientIp(c.req.raw, c.env) ?? undefined)
  if (!allowed) throw new GatewayError('APP_NO_PERMISSION', { reason: 'the admin endpoint takes Authorization: Bearer <ADMIN_TOKEN>' })
  await next()
})

function audit(method: string, path: string, outcome: string, ip: string | undefined): void {
  // An object, as the access log: Workers Logs indexes each of its fields.
  console.log({ audit: 'admin', at: new Date().toISOString(), method, path, outcome, ip: ip ?? null })
}

const validKey = createMiddleware<Gateway>(async (c, next) => {
  const key = c.req.param('key') ?? ''
  if (!isCredentialKey(key)) throw new GatewayError('REQUEST_PARAM_INVALID', { reason: 'key must be app:<bk_app_code> or token:<sha256 hex>' })
  await next()
})

const ok = (data: unknown, requestId: string) => jsonResponse(200, { result: true, code: 0, message: 'success', data, request_id: requestId })

export const admin = new Hono<Gateway>()
  .use(onlyWithToken)
  .get('/credentials', async (c) => {
    const names = await listKeyNames(c.env.CREDENTIALS, c.req.query('prefix') ?? '')
    return ok(names, c.get('requestId'))
  })
  .get('/credentials/:key', validKey, async (c) => {
    const record = await c.env.CREDENTIALS.get(c.req.param('key'), 'json')
    return ok(record, c.get('requestId'))
  })
  .put('/credentials/:key', validKey, async (c) => {
    let record: unknown
    try {
      record = await c.req.json()
    } catch {
      throw new GatewayError('REQUEST_PARAM_INVALID', { reason: 'the body must be the record, as JSON' })
    }
    const problem = checkRecord(c.req.param('key'), record)
    if (problem) throw new GatewayError('REQUEST_PARAM_INVALID', { reason: problem })
    await writeCredential(c.env, c.req.param('key'), JSON.stringify(record))
    return ok(null, c.get('requestId'))
  })
  .delete('/credentials/:key', validKey, async (c) => {
    await writeCredential(c.env, c.req.param('key'), null)
    return ok(null, c.get('requestId'))
  })
