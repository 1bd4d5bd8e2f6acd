/**
 * The admin endpoint: the credential records, read and written over HTTPS (and new app secrets hashed) by `npm run admin -- --remote`
 * (and by the CLI against a running `npm run dev`). It exists only when the ADMIN_TOKEN secret is set,
 * takes it as a bearer token (hono/bearer-auth), sits outside the public routes and CORS, and logs one
 * audit line per call (never a record: they hold secret hashes).
 *
 * What it stores is the record as validated, never the body as sent: a field the schema does not know
 * is refused by name, a body past RECORD_BYTES_MAX is refused before it is all read, and the gateway
 * dates the write itself, so no record can claim a later date than the writes that follow it.
 */
import { zValidator } from '@hono/zod-validator'
import { Hono, type MiddlewareHandler } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { createMiddleware } from 'hono/factory'
import * as z from 'zod'
import { readBounded } from '../lib/bounded-read.ts'
import type { Gateway, GatewayContext } from '../middleware/context.ts'
import { secretHash } from '../credentials/hash.ts'
import { listKeyNames } from '../credentials/list.ts'
import { APP_SECRET_MAX, type AppRecord, CREDENTIAL_VALUE_MAX, type TokenRecord, appRecordSchema, tokenRecordSchema } from '../credentials/records.ts'
import { credentialKeySchema, writeCredential } from '../credentials/write.ts'
import { GatewayError, bounded, invalidParameters, jsonResponse, toProblems } from '../lib/errors.ts'
import { perEnv } from '../lib/vars.ts'
import { clientIp } from '../lib/client-ip.ts'
import { newClientSchema } from '../oauth/clients.ts'
import { publishRevoked } from '../oauth/revocations.ts'
import { askServer, oauthService } from '../oauth/server.ts'

/** A record is a few hundred bytes; this leaves room for long permission lists. */
export const RECORD_BYTES_MAX = 64 * 1024
/** How far ahead of the gateway's clock a writer's clock may be: a record dated later is refused. */
export const CLOCK_AHEAD_MAX_MS = 60_000
/** KV keys are at most 512 bytes, so no longer prefix can match anything. */
const PREFIX_MAX = 512

function audit(c: GatewayContext, outcome: 'authorized' | 'refused'): void {
  // An object, as the access log: Workers Logs indexes each of its fields.
  const path = bounded(new URL(c.req.url).pathname, 120)
  console.log({ audit: 'admin', at: new Date().toISOString(), method: c.req.method, path, outcome, ip: clientIp(c.req.raw, c.env) })
}

/** bearer-auth's answer to a missing, malformed or wrong token: the gateway's own 403, thrown past it. */
function refused(c: GatewayContext): never {
  audit(c, 'refused')
  throw new GatewayError('APP_NO_PERMISSION', { reason: 'the admin endpoint takes Authorization: Bearer <ADMIN_TOKEN>' })
}

/** hono/bearer-auth for the configured token, made once per env; undefined without one. */
const bearerFor = perEnv(({ ADMIN_TOKEN: token }) =>
  token
    ? bearerAuth<Gateway>({
        token,
        noAuthenticationHeader: { message: refused },
        invalidAuthenticationHeader: { message: refused },
        invalidToken: { message: refused },
      })
    : undefined,
)

const onlyWithToken = createMiddleware<Gateway>(async (c, next) => {
  const bearer = bearerFor(c.env)
  // Without the secret the endpoint does not exist: the gateway's own 404, as for any unknown path.
  if (!bearer) return c.notFound()
  await bearer(c, async () => {
    audit(c, 'authorized')
    await next()
  })
})

/** zod-validator's failures as the gateway's 3540000, naming every problem. */
const valid = <T extends z.ZodType>(target: 'json' | 'param' | 'query', schema: T) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw invalidParameters(toProblems(result.error.issues, target === 'json' ? 'record' : target))
  })

/**
 * Reads the body within RECORD_BYTES_MAX before anything parses it, and requires JSON, so that the
 * validator after it reads from memory what was counted here.
 */
const jsonBody = createMiddleware<Gateway>(async (c, next) => {
  const type = c.req.header('Content-Type')?.split(';', 1)[0]?.trim().toLowerCase()
  if (type !== 'application/json') throw new GatewayError('REQUEST_PARAM_INVALID', { reason: 'the body must be the record, as JSON' })
  // A length declared past the cap is refused unread; an undeclared or false one is counted as it streams.
  if (Number(c.req.header('Content-Length')) > RECORD_BYTES_MAX) throw new GatewayError('BODY_SIZE_LIMIT_EXCEED')
  const text = await readBounded(c.req.raw.body, RECORD_BYTES_MAX)
  if (text === null) throw new GatewayError('BODY_SIZE_LIMIT_EXCEED')
  try {
    JSON.parse(text)
  } catch {
    throw new GatewayError('REQUEST_PARAM_INVALID', { reason: 'the body must be the record, as JSON' })
  }
  c.req.raw = new Request(c.req.raw, { body: text })
  await next()
})

/** A record dated after the gateway's clock would outrank every later write of the same key. */
function refuseFuture(createdAt: string): void {
  if (Date.parse(createdAt) > Date.now() + CLOCK_AHEAD_MAX_MS) {
    throw invalidParameters([{ path: 'created_at', message: "must not be later than the gateway's clock" }])
  }
}

/**
 * The body checked with the schema of the key's kind (the key itself is checked before). zod-validator
 * types its middleware for Hono's default env; called here, it runs in the gateway's.
 */
const validByKind = {
  app: valid('json', appRecordSchema) as unknown as MiddlewareHandler<Gateway>,
  token: valid('json', tokenRecordSchema) as unknown as MiddlewareHandler<Gateway>,
}
const validRecord: MiddlewareHandler<Gateway, '/credentials/:key', { out: { json: AppRecord | TokenRecord } }> = (c, next) =>
  validByKind[c.req.param('key').startsWith('app:') ? 'app' : 'token'](c, next)

/** What `POST /secret-hash` takes: an app and a secret as the credential records bound them. */
const secretToHash = z.strictObject({
  bk_app_code: appRecordSchema.shape.bk_app_code,
  bk_app_secret: z.string().min(1).max(APP_SECRET_MAX),
})

const ok = (data: unknown, requestId: string) => jsonResponse(200, { result: true, code: 0, message: 'success', data, request_id: requestId })
const keyParam = valid('param', z.object({ key: credentialKeySchema }))
/** The library's client ids are 16 random characters. */
const clientParam = valid('param', z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }))

export const admin = new Hono<Gateway>()
  .use(onlyWithToken)
  .get('/credentials', valid('query', z.object({ prefix: z.string().max(PREFIX_MAX).default('') })), async (c) => {
    const names = await listKeyNames(c.env.CREDENTIALS, c.req.valid('query').prefix)
    return ok(names, c.get('requestId'))
  })
  .get('/credentials/:key', keyParam, async (c) => {
    const record = await c.env.CREDENTIALS.get(c.req.valid('param').key, 'json')
    return ok(record, c.get('requestId'))
  })
  .put('/credentials/:key', keyParam, jsonBody, validRecord, async (c) => {
    const { key } = c.req.valid('param')
    const record = c.req.valid('json')
    refuseFuture(record.created_at)
    if ('bk_app_code' in record) {
      if (`app:${record.bk_app_code}` !== key) throw invalidParameters([{ path: 'bk_app_code', message: 'must match the key' }])
      await writeCredential(c.env, key, JSON.stringify({ ...record, updated_at: new Date().toISOString() }))
    } else {
      await writeCredential(c.env, key, JSON.stringify(record))
    }
    return ok(null, c.get('requestId'))
  })
  // An app secret hashed with this gateway's pepper, for the CLI's `app create` and `app rotate`: the
  // operator sends the secret (over TLS, with the admin token) and never needs the pepper. Nothing is kept.
  .post('/secret-hash', jsonBody, valid('json', secretToHash), async (c) => {
    const { bk_app_code, bk_app_secret } = c.req.valid('json')
    return ok({ hash: await secretHash(c.env.CREDENTIAL_PEPPER, bk_app_code, bk_app_secret) }, c.get('requestId'))
  })
  .delete('/credentials/:key', keyParam, async (c) => {
    await writeCredential(c.env, c.req.valid('param').key, null)
    return ok(null, c.get('requestId'))
  })
  // OAuth clients, kept by the authorization server (../../auth/); a revocation also reaches the feed.
  .get('/clients', async (c) => ok(await askServer(oauthService(c.env).listClients()), c.get('requestId')))
  .post('/clients', jsonBody, valid('json', newClientSchema), async (c) => {
    try {
      return ok({ client_id: await oauthService(c.env).addClient(c.req.valid('json')) }, c.get('requestId'))
    } catch (error) {
      // The library refuses a redirect URI OAuth 2.1 forbids (plain http off loopback, a fragment).
      throw new GatewayError('REQUEST_PARAM_INVALID', { reason: error instanceof Error ? error.message : 'invalid client' })
    }
  })
  .delete('/clients/:id', clientParam, async (c) => {
    const revoked = await askServer(oauthService(c.env).removeClient(c.req.valid('param').id))
    if (!revoked) throw new GatewayError('REQUEST_PARAM_INVALID', { reason: 'no such client' })
    await publishRevoked(c.env, revoked)
    return ok(null, c.get('requestId'))
  })
  .post('/clients/:id/revoke-grants', clientParam, valid('query', z.object({ user: z.string().min(1).max(CREDENTIAL_VALUE_MAX).optional() })), async (c) => {
    const revoked = await askServer(oauthService(c.env).revokeGrants(c.req.valid('param').id, c.req.valid('query').user))
    await publishRevoked(c.env, revoked)
    return ok({ revoked: revoked.length }, c.get('requestId'))
  })
