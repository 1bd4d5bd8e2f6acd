/**
 * The gateway's error catalogue (CONTRACT §6, BlueKing's codes and texts) and the one envelope every
 * response carries. Errors from the origin never go through here: they are passed on as the origin sent them.
 */
export const ERRORS = {
  API_NOT_FOUND: { status: 404, code: 1640401, message: 'API not found' },
  REQUEST_PARAM_INVALID: { status: 400, code: 3540000, message: 'Request parameters invalid' },
  INVALID_ARGS: { status: 400, code: 1640001, message: 'Parameters error' },
  APP_NO_PERMISSION: { status: 403, code: 1640301, message: 'App has no permission to the resource' },
  BODY_SIZE_LIMIT_EXCEED: { status: 413, code: 1641301, message: 'Request body size too large.' },
  RATE_LIMIT_RESTRICTION: { status: 429, code: 1642903, message: 'API rate limit exceeded by resource strategy' },
  INTERNAL_SERVER_ERROR: { status: 500, code: 1650001, message: 'Internal Server Error' },
  BAD_GATEWAY: { status: 502, code: 1650200, message: 'Bad Gateway' },
  REQUEST_BACKEND_TIMEOUT: { status: 504, code: 1650401, message: 'Request backend service timeout' },
} as const

export type ErrorName = keyof typeof ERRORS
export type ErrorStatus = (typeof ERRORS)[ErrorName]['status']

/** One invalid parameter: where (`node_id`, `data.x`) and why. */
export interface FieldProblem {
  path: string
  message: string
}

export interface Envelope<T = unknown> {
  result: boolean
  code: number
  message: string
  data: T
  request_id: string
}

export interface ErrorEnvelope extends Envelope<null> {
  result: false
  code_name: ErrorName
  errors?: FieldProblem[]
}

/**
 * An error the gateway itself answers with. `fields` become BlueKing's ` [k="v" …]` suffix;
 * `headers` (e.g. rate-limit headers on a 429) are added to the response.
 */
export class GatewayError extends Error {
  readonly codeName: ErrorName
  readonly status: ErrorStatus
  readonly code: number
  readonly errors: FieldProblem[] | undefined
  readonly headers: Record<string, string>

  constructor(
    name: ErrorName,
    fields: Record<string, string> = {},
    extra: { errors?: FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    const entry = ERRORS[name]
    const suffix = Object.entries(fields)
      .map(([k, v]) => `${k}="${v}"`)
      .join(' ')
    super(suffix ? `${entry.message} [${suffix}]` : entry.message)
    this.codeName = name
    this.status = entry.status
    this.code = entry.code
    this.errors = extra.errors
    this.headers = extra.headers ?? {}
  }

  envelope(requestId: string): ErrorEnvelope {
    return {
      result: false,
      code: this.code,
      code_name: this.codeName,
      message: this.message,
      data: null,
      request_id: requestId,
      ...(this.errors ? { errors: this.errors } : {}),
    }
  }
}

/** CONTRACT §6: every body is JSON with this exact content type. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { ...headers, 'Content-Type': JSON_CONTENT_TYPE } })

/** Header values must be Latin-1; anything else in a message is percent-encoded there. */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, (ch) => encodeURIComponent(ch))

/** The response for an error the gateway itself makes, with BlueKing's X-Bkapi-Error-* headers. */
export const errorResponse = (error: GatewayError, requestId: string) =>
  jsonResponse(error.status, error.envelope(requestId), {
    ...error.headers,
    'X-Bkapi-Error-Code': String(error.code),
    'X-Bkapi-Error-Message': headerSafe(error.message),
  })
