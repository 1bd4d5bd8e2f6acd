/**
 * The checks floor of `npm run bench`: the floor (./floor.ts) plus the work the contract's checks ask of
 * the seed call, done in straight-line code with the gateway's own parts and none of its pipeline — no
 * Hono, no steps, no branch for any other kind of call. It reads the body within its bound as exact JSON,
 * recognises the credential set by one HMAC of it, validates the parameters with the resource's schema,
 * checks the app's grant, takes a token from the isolate's lease on the real limiter objects and makes
 * the six rate-limit headers, signs the identity with the gateway's signer (its cache keyed by a digest),
 * checks the origin's envelope, and answers with the request-id, Server-Timing and quota headers. What
 * this costs above the floor, any implementation of the checks pays; what the gateway costs above this,
 * its pipeline does.
 */
import { credentialSetHash } from '../../../src/credentials/hash.ts'
import { originPath, resources } from '../../../src/resources/table.ts'
import { readBounded } from '../../../src/lib/bounded-read.ts'
import { decodedBody } from '../../../src/lib/content-encoding.ts'
import { jsonResponse } from '../../../src/lib/errors.ts'
import { parseExactJson } from '../../../src/lib/exact-json.ts'
import { jsonProblem } from '../../../src/lib/json-limits.ts'
import { serverTimingHeader } from '../../../src/observability/timing.ts'
import { jwtSigner } from '../../../src/origin/jwt.ts'
import { admit, type LimiterNamespace } from '../../../src/ratelimit/client.ts'
import { rateLimitHeaders } from '../../../src/ratelimit/headers.ts'
import { LINE_TEMPLATE } from './access-line.ts'

interface Env {
  ORIGIN: { fetch(url: string, init: RequestInit): Promise<Response> }
  RATE_LIMITER: LimiterNamespace
  JWT_PRIVATE_KEY: string
  LOG_FORMAT?: string
}

const BODY_LIMIT = 1024 * 1024
const resource = resources.find((r) => r.name === 'operate_node')!
/** The demo app's record, as the gateway finds it once verified: its grants and limits. */
const APP = { bk_app_code: 'esb_test', permissions: { resources: '*', biz: '*' }, rate_limits: [{ tokens: 1_000_000, period: 60 }] }
/** Credential sets verified before, by their HMAC (the gateway's is a BoundedCache of the same entries). */
const verified = new Map<string, { app: typeof APP; username: string }>()

const fail = (status: number, message: string) => jsonResponse(status, { result: false, code: status, message, data: null })

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const startedAt = Date.now()
    const id = crypto.randomUUID()
    const xRequestId = request.headers.get('X-Request-ID') ?? id.replaceAll('-', '')

    const decoded = decodedBody(request)
    if (decoded === undefined) return fail(415, 'unknown Content-Encoding')
    const text = await readBounded(decoded, BODY_LIMIT)
    if (text === null) return fail(413, 'too large')
    const body = parseExactJson(text) as Record<string, unknown>
    if (jsonProblem(body)) return fail(400, 'not a JSON object')

    const credentials = [body.bk_app_code, body.bk_app_secret, body.bk_token, body.bk_username]
    const setHash = await credentialSetHash('pepper', credentials.map((v) => (typeof v === 'string' ? v : '')))
    let who = verified.get(setHash)
    // The first call stands for the lookups that only a new credential set pays.
    if (!who) verified.set(setHash, (who = { app: APP, username: 'admin' }))

    const parsed = resource.schema.safeParse(body)
    if (!parsed.success) return fail(400, 'invalid parameters')
    const input = parsed.data as Record<string, unknown>
    const { permissions } = who.app
    if (permissions.resources !== '*' || permissions.biz !== '*') return fail(403, 'no permission')

    const windows = who.app.rate_limits
    const outcome = admit({ app: 'checks_floor', resource: resource.name }, windows, {
      namespace: env.RATE_LIMITER,
      timeoutMs: 1000,
      leaseMs: 1000,
      waitUntil: (promise) => ctx.waitUntil(promise),
    })
    const { decision } = outcome instanceof Promise ? await outcome : outcome
    if (!decision.allowed) return fail(429, 'rate limited')

    const identity = { appCode: who.app.bk_app_code, appVerified: true, username: who.username, userVerified: true }
    const jwt = await jwtSigner(env.JWT_PRIVATE_KEY, 'bk-sops').sign(identity)
    const fields: Record<string, unknown> = {}
    for (const name of resource.forward) if (input[name] !== undefined) fields[name] = input[name]
    const res = await env.ORIGIN.fetch(`https://engine.internal/${originPath(resource, input)}`, {
      method: 'POST',
      headers: { 'X-Bkapi-Jwt': jwt, 'X-Bkapi-Request-ID': id, 'X-Request-ID': xRequestId, 'X-Bk-Tenant-Id': 'default', 'Content-Type': 'application/json' },
      body: JSON.stringify(fields),
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    })
    const answer = JSON.parse(await res.text()) as Record<string, unknown>
    if (typeof answer.result !== 'boolean') return fail(502, 'not an envelope')

    const response = jsonResponse(200, { ...answer, request_id: id }, {
      ...rateLimitHeaders(decision, windows),
      'X-Bkapi-Request-ID': id,
      'X-Request-ID': xRequestId,
      'Server-Timing': serverTimingHeader(
        { auth: { desc: 'isolate', dur: 0 }, ratelimit: { desc: 'lease', dur: 0 }, origin: { desc: String(res.status), dur: 0 } },
        0,
      ),
    })
    const path = new URL(request.url).pathname
    const line = { ...LINE_TEMPLATE, message: `POST ${path} 200 OK`, time: new Date(startedAt).toISOString(), request_id: id, x_request_id: xRequestId, path }
    if (env.LOG_FORMAT !== 'none') console.log(line)
    return response
  },
}
