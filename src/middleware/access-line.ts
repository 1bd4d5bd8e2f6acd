/**
 * Builds a call's access-log line once its answer is decided, from what the steps recorded — never by
 * re-reading a body. Each field comes from a validated value: the gateway's own ids and codes, enums,
 * numbers, the verified app and user, the validated parameters. The few texts that can come from outside
 * (an X-Request-ID, a path, a message) go through `text()`, which bounds them and takes out any credential
 * the call carried (../observability/redact.ts).
 */
import type { GatewayContext, GatewayVariables } from './context.ts'
import type { StreamSummary } from '../live/counted-stream.ts'
import { ERRORS, type ErrorName, GatewayError, MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, bounded } from '../lib/errors.ts'
import { resources } from '../resources/table.ts'
import { type Timings, round } from '../observability/timing.ts'
import { traceIdOf } from '../lib/traceparent.ts'
import type { AccessLine } from '../observability/line.ts'
import { credentialsIn, redactor } from '../observability/redact.ts'
import { parseAuthorizationHeader } from '../credentials/extract.ts'

const ERROR_NAMES = new Map(Object.entries(ERRORS).map(([name, { code }]) => [String(code), name as ErrorName]))
const ESB_PATHS = new Set<string>(resources.map((r) => r.esbPath))
const DIGITS = /^\d{1,15}$/
const COLO = /^[A-Z]{3}$/
const MAX_STACK_CHARS = 2000

interface CallClock {
  /** Date.now() when the call arrived. */
  startedAt: number
  totalMs: number
}

const sizeOf = (header: string | null | undefined) => (header && DIGITS.test(header) ? Number(header) : undefined)

/** Bounds a text from outside and takes out of it any credential the call carried. */
type Guard = (value: string, max?: number) => string

/** The line of a call, `sample_rate` being `sampleRate` for a success and 1 for an error. */
export function accessLine(c: GatewayContext, clock: CallClock, sampleRate: number, stream?: StreamSummary): AccessLine {
  // The outermost step sees calls refused before any other step ran: every variable may be unset.
  const maybe = <K extends keyof GatewayVariables>(key: K): GatewayVariables[K] | undefined => c.get(key)
  const header = c.req.header('X-Bkapi-Authorization')
  const redact = redactor(
    credentialsIn({
      // As authenticate() parsed it; a call refused before that step has it parsed here.
      bkapiAuthorization: header ? { text: header, fields: maybe('authorizationFields') ?? parseAuthorizationHeader(header) } : undefined,
      authorization: c.req.header('Authorization'),
      cookie: c.req.header('Cookie'),
      query: c.req.query(),
      body: maybe('body'),
    }),
  )
  const text: Guard = (value, max = MAX_FIELD_CHARS) => redact(bounded(value, max))
  const textOrNull = (value: string | null | undefined, max?: number) => (value == null ? null : text(value, max))

  const res = c.res
  const resource = maybe('resource')
  const app = maybe('app')
  const user = maybe('user')
  const input = maybe('input')
  const error = c.error
  const pathname = pathOf(c.req.url)
  const answer = answerOf(res, maybe('originAnswer'), text)

  const line: AccessLine = {
    log: 'access',
    message: '',
    time: new Date(clock.startedAt).toISOString(),
    request_id: c.get('requestId'),
    x_request_id: text(c.get('xRequestId')),
    trace_id: textOrNull(traceIdOf(c.req.header('traceparent'))),
    sops_trace_id: textOrNull(res.headers.get('Sops-Trace-Id')),
    method: text(c.req.method, 16),
    path: text(pathname),
    resource: resource ?? null,
    url_form: resource ? (ESB_PATHS.has(pathname.endsWith('/') ? pathname.slice(0, -1) : pathname) ? 'esb' : 'gateway') : null,
    app: textOrNull(app?.bk_app_code),
    user: textOrNull(user?.username),
    user_verified: user?.verified ?? null,
    bk_biz_id: input?.bk_biz_id ?? null,
    scope: input?.scope ?? null,
    task_id: input?.task_id ?? null,
    action: typeof input?.action === 'string' ? input.action : null,
    node_id: typeof input?.node_id === 'string' ? text(input.node_id) : null,
    status: res.status,
    ...answer,
    ...originOf(maybe('timings')?.origin?.desc),
    detail: textOrNull(error instanceof GatewayError ? error.logDetail : maybe('logDetail'), MAX_MESSAGE_CHARS),
    exception: error && !(error instanceof GatewayError) ? text(error.stack || `${error.name}: ${error.message}`, MAX_STACK_CHARS) : null,
    ...durationsOf(maybe('timings') ?? {}, clock.totalMs),
    replayed: res.headers.get('Idempotent-Replayed') === 'true',
    bytes_in: sizeOf(c.req.header('Content-Length')) ?? maybe('bodyBytes') ?? (c.req.raw.body === null ? 0 : null),
    bytes_out: res.body === null ? 0 : (sizeOf(res.headers.get('Content-Length')) ?? null),
    colo: coloOf(c.req.raw),
    stream_events: stream?.events ?? null,
    stream_ms: stream ? round(stream.ms) : null,
    metrics_error: null,
    sample_rate: res.status >= 400 || answer.code_name !== 'OK' ? 1 : sampleRate,
  }
  line.message = `${line.method} ${line.path} ${line.status} ${line.code_name ?? '-'} ${line.total_ms}ms ${line.app ?? '-'}`
  if (stream) line.message += ` stream ${stream.events} events ${line.stream_ms}ms`
  return line
}

/**
 * Who answered and how: the gateway's own errors carry X-Bkapi-Error-Code whichever step answered
 * (404s included); otherwise the origin's envelope, as the proxy recorded it.
 */
function answerOf(
  res: Response,
  origin: GatewayVariables['originAnswer'] | undefined,
  text: Guard,
): Pick<AccessLine, 'code' | 'code_name' | 'error_message'> {
  const gatewayError = ERROR_NAMES.get(res.headers.get('X-Bkapi-Error-Code') ?? '')
  if (gatewayError) {
    const message = res.headers.get('X-Bkapi-Error-Message')
    return { code: ERRORS[gatewayError].code, code_name: gatewayError, error_message: message === null ? null : text(message, MAX_MESSAGE_CHARS) }
  }
  if (origin) return { code: origin.code, code_name: origin.result ? 'OK' : 'ORIGIN_ERROR', error_message: origin.result ? null : text(origin.message) }
  return { code: null, code_name: res.status < 400 ? 'OK' : null, error_message: null }
}

/** `timings.origin.desc` is the origin's HTTP status, or why there is none. */
function originOf(desc: string | undefined): Pick<AccessLine, 'origin_status' | 'origin_error'> {
  if (desc === undefined) return { origin_status: null, origin_error: null }
  if (DIGITS.test(desc)) return { origin_status: Number(desc), origin_error: null }
  return { origin_status: null, origin_error: desc === 'timeout' ? 'timeout' : 'unreachable' }
}

/** The same durations and tiers as Server-Timing; null for a step the call did not reach. */
function durationsOf(
  { auth, ratelimit, origin }: Timings,
  totalMs: number,
): Pick<AccessLine, 'auth_ms' | 'auth_tier' | 'ratelimit_ms' | 'ratelimit_tier' | 'origin_ms' | 'total_ms'> {
  return {
    auth_ms: auth ? round(auth.dur) : null,
    auth_tier: auth?.desc ?? null,
    ratelimit_ms: ratelimit ? round(ratelimit.dur) : null,
    ratelimit_tier: ratelimit?.desc ?? null,
    origin_ms: origin ? round(origin.dur) : null,
    total_ms: round(totalMs),
  }
}

/** The path as sent (percent-encoded, trailing slash kept; c.req.path is Hono's normalised form), without a URL object. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const query = url.indexOf('?', start)
  return url.slice(start, query === -1 ? undefined : query)
}

function coloOf(request: Request): string | null {
  const colo = (request.cf as { colo?: unknown } | undefined)?.colo
  return typeof colo === 'string' && COLO.test(colo) ? colo : null
}
