/**
 * The gateway: every SOPS resource runs the same pipeline, top to bottom (CONTRACT §4).
 * Each step is one middleware in ./middleware; the resource table is ../resources/table.ts.
 */
import { Hono } from 'hono'
import type { Handler, MiddlewareHandler } from 'hono'
import type { ApplyGlobalResponse } from 'hono/client'
import type { ParamKeys, ToSchema, TypedResponse } from 'hono/types'
import type * as z from 'zod'
import type { Gateway } from '../middleware/context.ts'
import { admin } from './admin.ts'
import { type ErrorEnvelope, type ErrorStatus, GatewayError, bounded, errorResponse, jsonResponse } from '../lib/errors.ts'
import { accessLog } from '../middleware/access-log.ts'
import { authenticate } from '../middleware/authenticate.ts'
import { callHeaders } from '../middleware/call-headers.ts'
import { cors } from '../middleware/cors.ts'
import { drainBody } from '../middleware/drain-body.ts'
import { idempotency } from '../middleware/idempotency.ts'
import { permission } from '../middleware/permission.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { readBody } from '../middleware/read-body.ts'
import { validate } from '../middleware/validate.ts'
import { openApiDocument } from './openapi.ts'
import { oauthRoutes } from './oauth-routes.ts'
import { originCallFor } from '../middleware/origin-calls.ts'
import { watch } from '../middleware/watch.ts'
import { watchResource } from '../live/watch-resource.ts'
import { proxy } from '../middleware/proxy.ts'
import { type Resource, resources } from '../resources/table.ts'
import type { ActionRules, answerSchema, sopsErrorSchema } from '../resources/schemas.ts'
import type { EsbCredentials } from '../credentials/fields.ts'

type TableResource = (typeof resources)[number]

const servesResource =
  (resource: TableResource): MiddlewareHandler<Gateway> =>
  (c, next) => {
    c.set('resource', resource.name)
    return next()
  }

/** What every resource call goes through, in this order; `answer` is the proxy, or a status stream. */
const pipeline = (resource: TableResource, answer: Handler<Gateway> = proxy(resource, originCallFor(resource))) =>
  [
    servesResource(resource),
    readBody(resource), // body size limit, and a POST body must be a JSON object
    authenticate(), // credentials → app check → user check
    validate(resource), // the parameters, and a POST's Idempotency-Key
    permission(),
    rateLimit(),
    idempotency(), // a call with a key runs once; its repeats get the stored answer
    answer,
  ] as const

const app = new Hono<Gateway>({ strict: false })

app.use(accessLog()) // first, so it sees every call: 404s, preflights and faults included
app.use(drainBody()) // so that every refusal reaches a caller still sending its body
app.use(callHeaders()) // request ids and Server-Timing
// Before CORS: the admin endpoint's requests end in it, so browsers never get to call it cross-origin.
app.route('/_admin', admin)
app.use(cors())
app.get('/healthz', (c) => jsonResponse(200, { result: true, code: 0, message: 'ok', data: 'ok', request_id: c.get('requestId') }))
// Where a newcomer opening the gateway's address in a browser goes next.
app.get('/', (c) =>
  jsonResponse(200, {
    result: true,
    code: 0,
    message: 'sops-edge: the operator console is at /console/, the API described at /openapi.json',
    data: { console: '/console/', openapi: '/openapi.json' },
    request_id: c.get('requestId'),
  }),
)
app.get('/openapi.json', () => jsonResponse(200, openApiDocument()))
app.route('/', oauthRoutes)
for (const resource of resources) app.on(resource.method, [resource.esbPath, resource.gatewayPath], ...pipeline(resource))
app.on('get', [watchResource.esbPath, watchResource.gatewayPath], ...pipeline(watchResource, watch()))

app.notFound((c) =>
  errorResponse(new GatewayError('API_NOT_FOUND', { method: bounded(c.req.method), path: bounded(new URL(c.req.url).pathname) }), c.get('requestId')),
)
// What the caller must not see (an error's logDetail, a fault's stack) goes to the access-log line, from c.error.
app.onError((err, c) =>
  errorResponse(
    err instanceof GatewayError ? err : new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'unexpected error' }),
    c.get('requestId'),
  ),
)

export default app

// ---- The app's type for hono/client, derived from the same resource table ----

type Params<R extends Resource> = ActionRules<z.input<R['schema']>>
/** Omit over each member of a union (Omit itself merges the members first, losing the rules on `action`). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
type AsQuery<T> = { [K in keyof T]: T[K] extends string | undefined ? T[K] : string }
type Fields<R extends Resource, T> = R['method'] extends 'get' ? ({} extends T ? { query?: AsQuery<T> } : { query: AsQuery<T> }) : { json: T }
/** The ids in a resource's gateway path, as text. */
type PathParams<R extends Resource> = Record<ParamKeys<R['gatewayPath']>, string>

/** SOPS's own answer: success with the resource's data, or SOPS's error (HTTP 200, result false). */
export type OriginAnswer<R extends Resource> = z.output<ReturnType<typeof answerSchema<R['data']>>> | z.output<typeof sopsErrorSchema>

type Responses<R extends Resource> = TypedResponse<OriginAnswer<R>, 200, 'json'>

/** Both URL forms of one resource (distributes over a union of resources). */
type RoutesOf<R extends Resource> = R extends Resource
  ? ToSchema<R['method'], R['esbPath'], Fields<R, Params<R> & EsbCredentials>, Responses<R>> &
      ToSchema<R['method'], R['gatewayPath'], { param: PathParams<R> } & Fields<R, OmitEach<Params<R>, ParamKeys<R['gatewayPath']>>>, Responses<R>>
  : never

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never

/** The gateway's own refusals: any route may answer each of their statuses with the error envelope. */
type Refusals = { [S in ErrorStatus]: { json: ErrorEnvelope } }

/** Every route of the resource table, with the refusals (Hono's ApplyGlobalResponse), typed for `hc<AppType>()` (see ./client.ts). */
export type AppType = ApplyGlobalResponse<Hono<Gateway, UnionToIntersection<RoutesOf<(typeof resources)[number]>>>, Refusals>
