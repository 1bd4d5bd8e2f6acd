/**
 * The gateway's error catalogue (CONTRACT §6, BlueKing's codes and texts) and the one envelope every
 * response carries. Errors from the origin never go through here: they are passed on as the origin sent them.
 */
import * as z from 'zod'

export const ERRORS = {
  API_NOT_FOUND: { status: 404, code: 1640401, message: 'API not found' },
  REQUEST_PARAM_INVALID: { status: 400, code: 3540000, message: 'Request parameters invalid' },
  INVALID_ARGS: { status: 400, code: 1640001, message: 'Parameters error' },
  UNAUTHORIZED: { status: 401, code: 1640100, message: 'Unauthorized' },
  APP_NO_PERMISSION: { status: 403, code: 1640301, message: 'App has no permission to the resource' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, code: 1640901, message: 'A request with this Idempotency-Key is still in flight' },
  BODY_SIZE_LIMIT_EXCEED: { status: 413, code: 1641301, message: 'Request body size too large.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, code: 1642201, message: 'This Idempotency-Key was used for a different request' },
  RATE_LIMIT_RESTRICTION: { status: 429, code: 1642903, message: 'API rate limit exceeded by resource strategy' },
  INTERNAL_SERVER_ERROR: { status: 500, code: 1650001, message: 'Internal Server Error' },
  BAD_GATEWAY: { status: 502, code: 1650200, message: 'Bad Gateway' },
  REQUEST_BACKEND_TIMEOUT: { status: 504, code: 1650401, message: 'Request backend service timeout' },
} as const

/** RFC 6750 §3: what an UNAUTHORIZED answer (a refused `Authorization: Bearer` token) carries beside it. */
export const UNAUTHORIZED_HEADERS = { 'WWW-Authenticate': 'Bearer error="invalid_token"' }

export type ErrorName = keyof typeof ERRORS
export type ErrorStatus = (typeof ERRORS)[ErrorName]['status']

/** No message, header or list the gateway writes grows with the caller's input (CONTRACT §6). */
export const MAX_FIELD_CHARS = 200
export const MAX_MESSAGE_CHARS = 1024
export const MAX_LISTED_PROBLEMS = 20

export const ERROR_NAMES = Object.keys(ERRORS) as [ErrorName, ...ErrorName[]]

/** One invalid parameter: where (`node_id`, `data.x`) and why. */
export const fieldProblemSchema = z.object({
  path: z.string().describe('the parameter: `node_id`, `data.x` for a nested field, `body` for the body as a whole'),
  message: z.string().describe('what is wrong with it'),
})

export type FieldProblem = z.infer<typeof fieldProblemSchema>

/** What every error the gateway itself makes answers with. */
export const errorEnvelopeSchema = z.object({
  result: z.literal(false),
  code: z.int().describe("BlueKing's error code"),
  code_name: z.enum(ERROR_NAMES),
  message: z.string().describe('the catalogue text, then what was wrong: `Parameters error [reason="…"]`'),
  data: z.null(),
  request_id: z.string().describe('X-Bkapi-Request-ID of this call'),
  errors: z
    .array(fieldProblemSchema)
    .max(MAX_LISTED_PROBLEMS)
    .optional()
    .describe(`REQUEST_PARAM_INVALID: one entry per problem, the first ${MAX_LISTED_PROBLEMS} of them`),
  errors_total: z.int().optional().describe('how many problems there were, when `errors` lists only the first ones'),
})

export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>

/** Cuts an echoed value to a bounded length, saying so. */
export const bounded = (text: string, max = MAX_FIELD_CHARS) => (text.length <= max ? text : `${text.slice(0, max)}…`)

/** `a; b; c … and 7 more`: the items, each bounded, as many as fit in `max` characters. */
function boundedList(items: string[], max: number): string {
  let text = ''
  let listed = 0
  for (const item of items) {
    const next = listed ? `${text}; ${bounded(item)}` : bounded(item)
    if (next.length > max) break
    text = next
    listed++
  }
  const rest = items.length - listed
  return rest ? `${text}${listed ? ' ' : ''}… and ${rest} more` : text
}

/**
 * An error the gateway itself answers with. `fields` become BlueKing's ` [k="v" …]` suffix, each value
 * bounded; `headers` (e.g. rate-limit headers on a 429) are added to the response.
 */
export class GatewayError extends Error {
  readonly codeName: ErrorName
  readonly status: ErrorStatus
  readonly code: number
  readonly errors: FieldProblem[] | undefined
  readonly headers: Record<string, string>
  /** What the log may keep and the caller never sees (e.g. what a misbehaving origin said). */
  readonly logDetail: string | undefined

  constructor(
    name: ErrorName,
    fields: Record<string, string> = {},
    extra: { errors?: FieldProblem[]; headers?: Record<string, string>; logDetail?: string } = {},
  ) {
    const entry = ERRORS[name]
    const suffix = Object.entries(fields)
      .map(([k, v]) => `${k}="${bounded(v, MAX_MESSAGE_CHARS)}"`)
      .join(' ')
    super(bounded(suffix ? `${entry.message} [${suffix}]` : entry.message, MAX_MESSAGE_CHARS))
    this.codeName = name
    this.status = entry.status
    this.code = entry.code
    this.errors = extra.errors
    this.headers = extra.headers ?? {}
    this.logDetail = extra.logDetail
  }

  envelope(requestId: string): ErrorEnvelope {
    const envelope: ErrorEnvelope = {
      result: false,
      code: this.code,
      code_name: this.codeName,
      message: this.message,
      data: null,
      request_id: requestId,
    }
    if (this.errors) {
      envelope.errors = this.errors.slice(0, MAX_LISTED_PROBLEMS)
      if (this.errors.length > MAX_LISTED_PROBLEMS) envelope.errors_total = this.errors.length
    }
    return envelope
  }
}

/** zod's issues as problems: the path bounded, `root` for an issue about the value as a whole. */
export const toProblems = (issues: z.core.$ZodIssue[], root = 'body'): FieldProblem[] =>
  issues.map((issue) => ({ path: bounded(issue.path.join('.')) || root, message: issue.message }))

/** REQUEST_PARAM_INVALID naming every problem: the first ones in the message, the first 20 in `errors`. */
export const invalidParameters = (problems: FieldProblem[]) =>
  new GatewayError(
    'REQUEST_PARAM_INVALID',
    { reason: boundedList(problems.map((p) => `${p.path}: ${p.message}`), MAX_MESSAGE_CHARS - 64) },
    { errors: problems },
  )

/** CONTRACT §6: every body is JSON with this exact content type. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

const encoder = new TextEncoder()
const NON_ASCII = /[^\x00-\x7f]/

/** A JSON answer; its Content-Length lets the access log count the bytes out without reading them. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body)
  // An ASCII text is as many bytes as characters: only another is encoded to count its bytes.
  const bytes = NON_ASCII.test(text) ? encoder.encode(text).byteLength : text.length
  return new Response(text, {
    status,
    headers: { ...headers, 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': String(bytes) },
  })
}

/** A lone surrogate (half of a cut emoji) has no UTF-8 form: it becomes U+FFFD. */
const percentEncoded = (ch: string) => (/^[\ud800-\udfff]$/.test(ch) ? '%EF%BF%BD' : encodeURIComponent(ch))

/** Header values must be Latin-1: anything else is percent-encoded there, and the value kept bounded. */
function headerSafe(text: string): string {
  const safe = text.replace(/[^\x20-\x7e]/gu, percentEncoded)
  return safe.length <= MAX_MESSAGE_CHARS ? safe : `${safe.slice(0, MAX_MESSAGE_CHARS).replace(/%[0-9A-F]?$/, '')}...`
}

/** The response for an error the gateway itself makes, with BlueKing's X-Bkapi-Error-* headers. */
export const errorResponse = (error: GatewayError, requestId: string) =>
  jsonResponse(error.status, error.envelope(requestId), {
    ...error.headers,
    'X-Bkapi-Error-Code': String(error.code),
    'X-Bkapi-Error-Message': headerSafe(error.message),
  })
