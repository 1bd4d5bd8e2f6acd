/**
 * /openapi.json (OpenAPI 3.1), generated: the operations from the resource table and its zod schemas,
 * the error responses from the error catalogue, the envelopes from the schemas that type them
 * (../lib/errors.ts for the gateway's own, ../resources/schemas.ts for SOPS's).
 */
import * as z from 'zod'
import { ACCESS_TOKEN_FIELD, CREDENTIAL_FIELDS, CREDENTIAL_FIELD_NAMES } from '../credentials/fields.ts'
import {
  ERRORS,
  ERROR_NAMES,
  type ErrorEnvelope,
  type ErrorName,
  type ErrorStatus,
  GatewayError,
  UNAUTHORIZED_HEADERS,
  errorEnvelopeSchema,
  fieldProblemSchema,
  invalidParameters,
} from '../lib/errors.ts'
import { IDEMPOTENCY_KEY_MAX } from '../idempotency/key.ts'
import { AUTHORIZE_PATH, TOKEN_PATH } from '../oauth/paths.ts'
import { formatScope } from '../oauth/scope.ts'
import { type Resource, type ResourceName, resources } from '../resources/table.ts'
import { endEvent, keepalive, statusEvent } from '../live/sse.ts'
import { watchResource } from '../live/watch-resource.ts'
import { getTaskStatusAnswer } from '../resources/answer-examples.ts'
import { ID_PATTERN, answerSchema, sopsErrorSchema, taskStatusSchema } from '../resources/schemas.ts'

// ---- Headers: the one place to document another one ----

type Status = 200 | ErrorStatus

interface ResponseHeader {
  /** Which responses carry it: all, the gateway's own errors, or those of the statuses listed. */
  on: 'all' | 'errors' | readonly Status[]
  /** Only the answers of writes (the resources that take an Idempotency-Key). */
  writes?: true
  required?: boolean
  description: string
  schema: object
}

const text = { type: 'string' }
const count = { type: 'integer', minimum: 0 }

/** Every response header the gateway documents, and on which responses: a new header is one line here. */
const RESPONSE_HEADERS: Record<string, ResponseHeader> = {
  'X-Bkapi-Request-ID': { on: 'all', required: true, description: 'the id of this call (UUID v4), also the request_id of the body', schema: { type: 'string', format: 'uuid' } },
  'X-Request-ID': { on: 'all', required: true, description: 'the X-Request-ID the caller sent when short and safe, else the request id without dashes', schema: text },
  'X-Bkapi-Error-Code': { on: 'errors', description: 'the code of the error, as in the body', schema: text },
  'X-Bkapi-Error-Message': { on: 'errors', description: 'the message of the error, non-ASCII characters percent-encoded', schema: text },
  'X-Bkapi-RateLimit-Limit': { on: 'all', description: 'calls allowed in the tightest window (once the call reached the rate limiter)', schema: count },
  'X-Bkapi-RateLimit-Remaining': { on: 'all', description: 'calls left in that window', schema: count },
  'X-Bkapi-RateLimit-Reset': { on: 'all', description: 'seconds until that window frees quota', schema: count },
  'X-Bkapi-RateLimit-Plugin': { on: 'all', description: 'the limiting plugin, `bk-resource-rate-limit`', schema: text },
  'RateLimit-Policy': { on: 'all', description: 'every window, as an RFC 9651 list: `"60s";q=600;w=60`', schema: text },
  RateLimit: { on: 'all', description: 'the tightest window: `"1s";r=9;t=1` (remaining, seconds to reset)', schema: text },
  'Retry-After': { on: [409, 429], required: true, description: 'seconds to wait before calling again', schema: count },
  'Idempotent-Replayed': {
    on: [200, 502, 504],
    writes: true,
    description: '`true` on the stored answer to an earlier call with the same Idempotency-Key (SOPS was not called again)',
    schema: { type: 'string', enum: ['true'] },
  },
  'Sops-Trace-Id': { on: [200], description: "SOPS's trace id of the call, when SOPS sent one", schema: text },
  ...Object.fromEntries(
    Object.entries(UNAUTHORIZED_HEADERS).map(([name, value]) => [
      name,
      {
        on: [ERRORS.UNAUTHORIZED.status],
        required: true,
        description: `\`${value}\` (RFC 6750): the access token sent as \`Authorization: Bearer\` is invalid, expired or revoked`,
        schema: { type: 'string', const: value },
      },
    ]),
  ),
  'Server-Timing': {
    on: 'all',
    required: true,
    description: 'what each step waited for and which tier answered: `auth;desc="isolate";dur=0, ratelimit;desc="lease";dur=0, origin;desc="200";dur=41.2, total;dur=42`',
    schema: text,
  },
}

interface RequestHeader {
  /** Which resources read it. */
  on: (resource: Resource) => boolean
  description: string
  schema: object
}

/** Request headers beside the credentials, and the resources that read them: a new header is one line here. */
const REQUEST_HEADERS: Record<string, RequestHeader> = {
  'X-Request-ID': { on: () => true, description: 'your own id for the call, echoed back and passed to SOPS', schema: text },
  'Idempotency-Key': {
    on: (resource) => resource.write,
    description:
      'a retry with the key of an earlier call gets that call\'s answer (Idempotent-Replayed: true) instead of running the operation again; kept 24 hours, per app',
    schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX },
  },
}

const carries = (h: ResponseHeader, status: Status, write: boolean) =>
  (h.on === 'all' || (h.on === 'errors' ? status !== 200 : h.on.includes(status))) && (write || !h.writes)

const headersOf = (status: Status, write: boolean) =>
  Object.fromEntries(
    Object.entries(RESPONSE_HEADERS)
      .filter(([, h]) => carries(h, status, write))
      .map(([name]) => [name, { $ref: `#/components/headers/${name}` }]),
  )

// ---- Which errors each operation can answer: from the resource table ----

/**
 * The errors only some operations can answer, and which: only a POST's body is read (a GET's is
 * ignored, so never too large), only a write takes an Idempotency-Key, and a documented operation is
 * never an unknown path. Every other error can answer any operation.
 */
const ANSWERED_BY: Partial<Record<ErrorName, (resource: Resource) => boolean>> = {
  API_NOT_FOUND: () => false,
  BODY_SIZE_LIMIT_EXCEED: (resource) => resource.method === 'post',
  IDEMPOTENCY_KEY_IN_USE: (resource) => resource.write,
  IDEMPOTENCY_KEY_REUSED: (resource) => resource.write,
}

const answersError = (resource: Resource) => (name: ErrorName) => ANSWERED_BY[name]?.(resource) ?? true

/** The error statuses an operation can answer, each with the codes it can answer under it. */
const errorStatusesOf = (resource: Resource) => [...new Set(ERROR_NAMES.filter(answersError(resource)).map((name) => ERRORS[name].status))].sort()

/** A write's error response differs from a read's only where a header is a write's alone. */
const errorResponseName = (status: ErrorStatus, write: boolean) =>
  `error_${status}${write && Object.values(RESPONSE_HEADERS).some((h) => h.writes && carries(h, status, true)) ? '_write' : ''}`

// ---- Credentials (CONTRACT §3) ----

const apiKey = (where: 'header' | 'query' | 'cookie', name: string, description: string) => ({ type: 'apiKey', in: where, name, description })

/** A credential field's scheme, named after it: bk_app_code → bkAppCode. */
const schemeOf = (field: string) => field.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase())

const ESB_ONLY = 'read only when neither X-Bkapi-Authorization nor `Authorization: Bearer` is present'
/** BlueKing reads an access token before any app secret. */
const TOKEN = "an access token (the oauth2 scheme's), which proves its app and its user by itself: an app code or secret beside it is not read"

/** The OAuth scopes (../oauth/scope.ts) of every resource, or of one. */
const resourceScope = (resource: ResourceName | '*') => formatScope({ resources: resource === '*' ? '*' : [resource], biz: [] })[0]!
const bizScope = (biz: string) => formatScope({ resources: [], biz: biz === '*' ? '*' : [biz] })[0]!

/** The scopes a client may ask for, as the protected-resource metadata lists them. */
const SCOPES = {
  [resourceScope('*')]: 'every resource',
  ...Object.fromEntries(resources.map((r) => [resourceScope(r.name), r.summary])),
  [bizScope('*')]: `every business; \`${bizScope('<bk_biz_id>')}\` is one business, \`${bizScope('project:<project_id>')}\` one SOPS project`,
}

const SECURITY_SCHEMES = {
  bkapiAuthorization: apiKey(
    'header',
    'X-Bkapi-Authorization',
    `JSON object: \`{${CREDENTIAL_FIELD_NAMES.map((f) => `"${f}"`).join(', ')}}\`, the user by "bk_token" or (apps exempt from user verification) "bk_username". When present, the only source of credentials.`,
  ),
  ...Object.fromEntries(
    CREDENTIAL_FIELD_NAMES.map((field) => [
      schemeOf(field),
      apiKey('query', field, `${CREDENTIAL_FIELDS[field].description} (ESB form, ${ESB_ONLY}); in a POST it may be a body field instead`),
    ]),
  ),
  bkTokenCookie: apiKey(
    'cookie',
    'bk_token',
    'the login cookie, read when no bk_token is given; such a call must be a GET or carry Content-Type: application/json',
  ),
  oauth2: {
    type: 'oauth2',
    description: `OAuth 2.1 (RFC 8414 discovery at this gateway): the authorization code with PKCE S256, for public clients (no client secret), each bound to one app; the user is the one signed in to BlueKing. Refresh tokens rotate; a token or its grant is revoked at ${TOKEN_PATH} (RFC 7009). A token may do what both its app's grants and its scope allow: the operation's resource (or \`${resourceScope('*')}\`) and the call's business (or \`${bizScope('*')}\`); a client that asks for no scope gets all it was registered for. Sent as \`Authorization: Bearer\`, or as the bkapiAccessToken and ${schemeOf(ACCESS_TOKEN_FIELD)} schemes say.`,
    flows: { authorizationCode: { authorizationUrl: AUTHORIZE_PATH, tokenUrl: TOKEN_PATH, refreshUrl: TOKEN_PATH, scopes: SCOPES } },
  },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: `\`Authorization: Bearer <token>\` (RFC 6750): ${TOKEN}. Read only when X-Bkapi-Authorization is absent, and then the only source of credentials. A refused token is HTTP 401 with WWW-Authenticate.`,
  },
  bkapiAccessToken: apiKey('header', 'X-Bkapi-Authorization', `JSON object: \`{"${ACCESS_TOKEN_FIELD}": "<token>"}\`, ${TOKEN}. A refused token is HTTP 400 (1640001).`),
  [schemeOf(ACCESS_TOKEN_FIELD)]: apiKey('query', ACCESS_TOKEN_FIELD, `${TOKEN} (ESB form, ${ESB_ONLY}); in a POST it may be a body field instead. A refused token is HTTP 400 (1640001).`),
}

/** Any one of these: the header, the app's code and secret with a user, or an access token in one of its forms. */
const APP_SCHEMES: Record<string, []> = { [schemeOf('bk_app_code')]: [], [schemeOf('bk_app_secret')]: [] }
const securityOf = (resource: Resource<ResourceName>): Record<string, string[]>[] => [
  { bkapiAuthorization: [] },
  { ...APP_SCHEMES, [schemeOf('bk_token')]: [] },
  { ...APP_SCHEMES, [schemeOf('bk_username')]: [] },
  { ...APP_SCHEMES, bkTokenCookie: [] },
  { oauth2: [resourceScope(resource.name)] },
  { bearer: [] },
  { bkapiAccessToken: [] },
  { [schemeOf(ACCESS_TOKEN_FIELD)]: [] },
]

/** ESB credentials as body fields of a POST. */
const BODY_CREDENTIALS = {
  ...Object.fromEntries(
    CREDENTIAL_FIELD_NAMES.map((field) => [field, { type: 'string', description: `${CREDENTIAL_FIELDS[field].description}; ${ESB_ONLY}` }]),
  ),
  [ACCESS_TOKEN_FIELD]: { type: 'string', description: `${TOKEN}; ${ESB_ONLY}` },
}

// ---- Operations ----

type JsonSchema = { properties?: Record<string, object>; required?: string[]; [key: string]: unknown }

/** How zod schemas become JSON Schema here: as the caller writes them, integers without zod's safe-integer bounds. */
const TO_JSON_SCHEMA = {
  io: 'input',
  unrepresentable: 'any',
  override: ({ jsonSchema }) => {
    if (jsonSchema.type !== 'integer') return
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum
  },
} satisfies z.core.ToJSONSchemaParams

/** A zod schema as JSON Schema inside the document (no `$schema` of its own). */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, TO_JSON_SCHEMA) as JsonSchema
  return rest
}

function operation(resource: Resource<ResourceName>, form: 'esb' | 'gateway') {
  const params = jsonSchema(resource.schema)
  const inPath: readonly string[] = form === 'gateway' ? resource.pathParams : []
  const fields = Object.fromEntries(Object.entries(params.properties ?? {}).filter(([k]) => !inPath.includes(k)))
  const required = (params.required ?? []).filter((k) => !inPath.includes(k))
  const parameters = [
    ...inPath.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: ID_PATTERN } })),
    ...(resource.method === 'get' ? Object.entries(fields).map(([name, schema]) => ({ name, in: 'query', required: required.includes(name), schema })) : []),
    ...Object.entries(REQUEST_HEADERS)
      .filter(([, h]) => h.on(resource))
      .map(([name, h]) => ({ name, in: 'header', required: false, description: h.description, schema: h.schema })),
  ]
  const body = { type: 'object', properties: { ...fields, ...BODY_CREDENTIALS }, required }
  return {
    operationId: `${resource.name}_${form}`,
    summary: `${resource.summary} (${form === 'esb' ? 'ESB form' : 'API-gateway form'})`,
    tags: [resource.name],
    security: securityOf(resource),
    parameters,
    ...(resource.method === 'post' ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses: {
      '200': { $ref: `#/components/responses/${resource.name}` },
      ...Object.fromEntries(
        errorStatusesOf(resource).map((status) => [String(status), { $ref: `#/components/responses/${errorResponseName(status, resource.write)}` }]),
      ),
    },
  }
}

/** A stream as the poller writes it: get_task_status's real data, a keepalive, the end. */
const WATCH_EXAMPLE = [statusEvent(1, JSON.stringify(getTaskStatusAnswer.data)), keepalive(), endEvent('FINISHED')]
  .map((bytes) => new TextDecoder().decode(bytes))
  .join('')

/** watch_task_status: parameters and refusals as get_task_status, a stream of events on success. */
function watchOperation(form: 'esb' | 'gateway') {
  const op = operation(watchResource, form)
  const lastEventId = { name: 'Last-Event-ID', in: 'header', required: false, description: 'the id of the last event received: the stream resumes after it, without repeating it', schema: { type: 'string', pattern: '^\\d{1,15}$' } }
  return {
    ...op,
    operationId: `watch_task_status_${form}`,
    parameters: [...op.parameters, lastEventId],
    responses: {
      ...op.responses,
      '200': {
        description:
          "Server-Sent Events: `event: status` (`id:` the status's version, `data:` get_task_status's data) at once and on each change; `: keepalive` every 15 s; `event: end` (`data: {\"state\"}`) once FINISHED or REVOKED, then the stream closes. SOPS's own refusal before the stream is its JSON envelope (HTTP 200, result false). See docs/live-status.md.",
        headers: headersOf(200, watchResource.write),
        content: {
          'text/event-stream': { schema: { type: 'string' }, example: WATCH_EXAMPLE },
          'application/json': { schema: { $ref: '#/components/schemas/SopsError' } },
        },
      },
    },
  }
}

// ---- Responses ----

const EXAMPLE_REQUEST_ID = '6c1e5b9e-2f4a-4c39-9b0e-1f0c2d3e4a5b'

/** Every error response any operation refers to, once: the gateway's errors under one status, for a read or a write. */
function errorResponses() {
  const entries = resources.flatMap((resource) =>
    errorStatusesOf(resource).map((status) => [errorResponseName(status, resource.write), errorResponse(status, resource)] as const),
  )
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)))
}

function errorResponse(status: ErrorStatus, resource: Resource) {
  const names = ERROR_NAMES.filter((name) => ERRORS[name].status === status && answersError(resource)(name))
  const ref = (name: ErrorName) => ({ $ref: `#/components/schemas/${name}` })
  return {
    description: names.map((name) => `${name} (${ERRORS[name].code}): ${ERRORS[name].message}`).join('; '),
    headers: headersOf(status, resource.write),
    content: {
      'application/json': {
        schema: names.length === 1 ? ref(names[0]!) : { oneOf: names.map(ref) },
        examples: Object.fromEntries(names.map((name) => [name, { summary: ERRORS[name].message, value: exampleError(name) }])),
      },
    },
  }
}

/** The envelope the gateway answers with, made by its own error class. */
const exampleError = (name: ErrorName): ErrorEnvelope =>
  (name === 'REQUEST_PARAM_INVALID'
    ? invalidParameters([{ path: 'task_id', message: 'must be a positive integer' }])
    : new GatewayError(name)
  ).envelope(EXAMPLE_REQUEST_ID)

/** Each error code's own schema, for the codes some operation answers: the envelope with that code and code_name. */
const errorSchemas = () =>
  Object.fromEntries(
    ERROR_NAMES.filter((name) => resources.some((resource) => answersError(resource)(name))).map((name) => [
      name,
      {
        description: ERRORS[name].message,
        allOf: [
          { $ref: '#/components/schemas/ErrorEnvelope' },
          { type: 'object', properties: { code: { const: ERRORS[name].code }, code_name: { const: name } } },
        ],
      },
    ]),
  )

/** A resource's successful answer: the envelope with its data, and the fields SOPS sends beside `data` (passed on as sent). */
export const documentedAnswer = (resource: Resource) =>
  answerSchema(resource.data).extend(
    Object.fromEntries((resource.answerFields ?? []).map((field) => [field, z.unknown().describe("SOPS's own, beside data")])),
  )

/** The answers' schemas, with the shared ones (TaskStatus) once under components. */
function answerSchemas() {
  const registry = z.registry<{ id: string }>()
  registry.add(errorEnvelopeSchema, { id: 'ErrorEnvelope' })
  registry.add(fieldProblemSchema, { id: 'FieldProblem' })
  registry.add(sopsErrorSchema, { id: 'SopsError' })
  registry.add(taskStatusSchema, { id: 'TaskStatus' })
  for (const resource of resources) registry.add(documentedAnswer(resource), { id: `${resource.name}_answer` })
  const { schemas } = z.toJSONSchema(registry, { ...TO_JSON_SCHEMA, uri: (id) => `#/components/schemas/${id}` })
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]))
}

const answerResponse = (resource: Resource) => ({
  description: `SOPS's answer: \`result: true\` with the ${resource.name} data, or SOPS's own refusal (\`result: false\`, SOPS's code)`,
  headers: headersOf(200, resource.write),
  content: {
    'application/json': {
      schema: { oneOf: [{ $ref: `#/components/schemas/${resource.name}_answer` }, { $ref: '#/components/schemas/SopsError' }] },
      example: { ...resource.example, request_id: EXAMPLE_REQUEST_ID },
    },
  },
})

// ---- The document ----

/** OpenAPI paths use {name} where Hono uses :name, and BlueKing's paths end with a slash. */
const openApiPath = (path: string) => `${path.replace(/:(\w+)/g, '{$1}')}/`

const LICENSE = { name: 'MIT', identifier: 'MIT' }

let document: object | undefined

export function openApiDocument(): object {
  document ??= {
    openapi: '3.1.0',
    info: {
      title: 'sops-edge',
      version: '1',
      description:
        'Edge gateway for BlueKing SOPS task and node operations. Every answer is the envelope `{result, code, message, data, request_id}`; errors the gateway makes also carry `code_name`. A path or method not listed here answers HTTP 404, code 1640401, `API_NOT_FOUND`.',
      license: LICENSE,
    },
    servers: [{ url: '/', description: 'the gateway that serves this document' }],
    tags: resources.map((r) => ({ name: r.name, description: r.summary })),
    paths: Object.fromEntries<object>(
      resources.flatMap((r): [string, object][] => [
        [openApiPath(r.gatewayPath), { [r.method]: operation(r, 'gateway') }],
        [openApiPath(r.esbPath), { [r.method]: operation(r, 'esb') }],
      ]).concat([
        [openApiPath(watchResource.gatewayPath), { get: watchOperation('gateway') }],
        [openApiPath(watchResource.esbPath), { get: watchOperation('esb') }],
      ]),
    ),
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: { ...answerSchemas(), ...errorSchemas() },
      responses: {
        ...Object.fromEntries(resources.map((r) => [r.name, answerResponse(r)])),
        ...errorResponses(),
      },
      headers: Object.fromEntries(
        Object.entries(RESPONSE_HEADERS).map(([name, h]) => [name, { description: h.description, required: h.required ?? false, schema: h.schema }]),
      ),
    },
  }
  return document
}
