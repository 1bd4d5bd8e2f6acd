/**
 * Builds a call's access-log line once its answer is decided, from what the steps recorded — never by
 * re-reading a body. Each field comes from a validated value: the gateway's own ids and codes, enums,
 * numbers, the verified app and user, the validated parameters. The few texts that can come from outside
 * (an X-Request-ID, a path, a message) go through `text()`, which bounds them and takes out any credential
 * the call carried (./redact.ts).
 */
import type { GatewayContext, GatewayVariables } from '../context.ts'
import { ERRORS, type ErrorName, GatewayError, MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, bounded } from '../errors.ts'
import { resources } from '../resources.ts'
import { round } from '../timing.ts'
import { traceIdOf } from '../traceparent.ts'
import type { AccessLine, CodeName } from './line.ts'
import { credentialsIn, redactor } from './redact.ts'

const ERROR_NAMES = new Map(Object.entries(ERRORS).map(([name, { code }]) => [String(code), name as ErrorName]))
const ESB_PATHS = new Set<string>(resources.map((r) => r.esbPath))
const DIGITS = /^\d{1,15}$/
const COLO = /^[A-Z]{3}$/
const MAX_STACK_CHARS = 2000

export interface CallClock {
  /** Date.now() when the call arrived. */
  startedAt: number
  totalMs: number
}

const sizeOf = (header: string | null | undefined) => (header && DIGITS.test(header) ? Number(header) : undefined)

/** The line of a call, `sample_rate` being `sampleRate` for a success and 1 for an error. */
export function accessLine(c: GatewayContext, clock: CallClock, sampleRate: number): AccessLine {
  // The outermost step sees calls refused before any other step ran: every variable may be unset.
  const maybe = <K extends keyof GatewayVariables>(key: K): GatewayVariables[K] | undefined => c.get(key)
  const redact = redactor(
    credentialsIn({
      bkapiAuthorization: c.req.header('X-Bkapi-Authorization'),
      authorization: c.req.header('Authorization'),
      cookie: c.req.header('Cookie'),
      query: c.req.query(),
      body: maybe('body'),
    }),
  )
  const text = (value: string, max = MAX_FIELD_CHARS) => redact(bounded(value, max))
  const textOrNull = (value: string | undefined, max?: number) => (value === undefined ? null : text(value, max))

  const res = c.res
  const timings = maybe('timings') ?? {}
  const resource = maybe('resource')
  const app = maybe('app')
  const user = maybe('user')
  const input = maybe('input')
  const origin = maybe('originAnswer')
  const error = c.error
  // As sent (percent-encoded), with its trailing slash: c.req.path is Hono's normalised form.
  const pathname = new URL(c.req.url).pathname
  const path = text(pathname)

  // The gateway's own errors carry X-Bkapi-Error-Code, whichever step answered (404s included).
  const gatewayError = ERROR_NAMES.get(res.headers.get('X-Bkapi-Error-Code') ?? '')
  const codeName: CodeName | null = gatewayError ?? (origin ? (origin.result ? 'OK' : 'ORIGIN_ERROR') : res.status < 400 ? 'OK' : null)
  const failed = res.status >= 400 || codeName !== 'OK'
  const originDesc = timings.origin?.desc

  const line: AccessLine = {
    log: 'access',
    message: '',
    time: new Date(clock.startedAt).toISOString(),
    request_id: c.get('requestId'),
    x_request_id: text(c.get('xRequestId')),
    trace_id: textOrNull(traceIdOf(c.req.header('traceparent'))),
    sops_trace_id: textOrNull(res.headers.get('Sops-Trace-Id') ?? undefined),
    method: text(c.req.method, 16),
    path,
    resource: resource ?? null,
    url_form: resource ? (ESB_PATHS.has(pathname.replace(/\/$/, '')) ? 'esb' : 'gateway') : null,
    app: textOrNull(app?.bk_app_code),
    user: textOrNull(user?.username),
    user_verified: user?.verified ?? null,
    bk_biz_id: input?.bk_biz_id ?? null,
    scope: input?.scope ?? null,
    task_id: input?.task_id ?? null,
    action: typeof input?.action === 'string' ? input.action : null,
    node_id: typeof input?.node_id === 'string' ? text(input.node_id) : null,
    status: res.status,
    code: gatewayError ? ERRORS[gatewayError].code : (origin?.code ?? null),
    code_name: codeName,
    error_message: gatewayError
      ? textOrNull(res.headers.get('X-Bkapi-Error-Message') ?? undefined, MAX_MESSAGE_CHARS)
      : origin && !origin.result
        ? text(origin.message)
        : null,
    origin_status: originDesc !== undefined && DIGITS.test(originDesc) ? Number(originDesc) : null,
    origin_error: originDesc === undefined || DIGITS.test(originDesc) ? null : originDesc === 'timeout' ? 'timeout' : 'unreachable',
    origin_detail: error instanceof GatewayError ? textOrNull(error.logDetail, MAX_MESSAGE_CHARS) : null,
    exception: error && !(error instanceof GatewayError) ? text(error.stack || `${error.name}: ${error.message}`, MAX_STACK_CHARS) : null,
    auth_ms: timings.auth ? round(timings.auth.dur) : null,
    auth_tier: timings.auth?.desc ?? null,
    ratelimit_ms: timings.ratelimit ? round(timings.ratelimit.dur) : null,
    ratelimit_tier: timings.ratelimit?.desc ?? null,
    origin_ms: timings.origin ? round(timings.origin.dur) : null,
    total_ms: round(clock.totalMs),
    replayed: res.headers.get('Idempotent-Replayed') === 'true',
    bytes_in: sizeOf(c.req.header('Content-Length')) ?? maybe('bodyBytes') ?? (c.req.raw.body === null ? 0 : null),
    bytes_out: res.body === null ? 0 : (sizeOf(res.headers.get('Content-Length')) ?? null),
    colo: coloOf(c.req.raw),
    metrics_error: null,
    sample_rate: failed ? 1 : sampleRate,
  }
  line.message = `${line.method} ${path} ${line.status} ${line.code_name ?? '-'} ${line.total_ms}ms ${line.app ?? '-'}`
  return line
}

function coloOf(request: Request): string | null {
  const colo = (request.cf as { colo?: unknown } | undefined)?.colo
  return typeof colo === 'string' && COLO.test(colo) ? colo : null
}
