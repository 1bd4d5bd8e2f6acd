/**
 * The call to the origin task engine (CONTRACT §7): SOPS's API backend at ORIGIN_URL, or the reference
 * engine bound to this Worker when ORIGIN_URL is empty — through the very same code. The origin is not
 * trusted blindly: redirects are never followed, the answer is read within the timeout and a size cap,
 * only an allowlist of its headers reaches the caller, and whatever it does the caller gets an
 * envelope: the origin's own when it sent a sound one, else a 502/504 that names the origin but never
 * echoes what it said (that goes to the log).
 */
import { readBounded } from '../lib/bounded-read.ts'
import { GatewayError } from '../lib/errors.ts'
import type { Timings } from '../observability/timing.ts'
import { configError, perEnv, positiveInt, varOr } from '../lib/vars.ts'

const DEFAULT_TIMEOUT_MS = '30000'
const DEFAULT_MAX_BYTES = String(10 * 1024 * 1024)
/** What the origin may compress its answer with: nothing, unless ORIGIN_ACCEPT_ENCODING says otherwise. */
const DEFAULT_ACCEPT_ENCODING = 'identity'
const ACCEPT_ENCODING = /^[A-Za-z0-9*,;=. -]{1,128}$/
const ENGINE_BASE = 'https://engine.internal/'
/** The origin headers a caller may see, each only with a value of safe characters. */
const PASSED_HEADERS = ['Sops-Trace-Id']
const SAFE_HEADER_VALUE = /^[A-Za-z0-9._:-]{1,128}$/
/** SOPS's UNKNOWN_ERROR, for a refusal it sent without a code. */
const SOPS_UNKNOWN_ERROR = 3599999

export interface OriginRequest {
  method: 'GET' | 'POST'
  /** Relative to the origin's base URL, e.g. `apigw/operate_node/2/12/`. */
  path: string
  /** The operation's fields: the JSON body of a POST, the query of a GET. */
  fields: Record<string, unknown>
  /** Fields SOPS answers beside `data` for this resource (start_task's task_url, …), kept as sent. */
  answerFields: readonly string[]
  headers: Record<string, string>
}

/** SOPS's envelope as the origin sent it, `data` filled in where SOPS leaves it out. */
export interface OriginEnvelope {
  result: boolean
  code: number
  message: string
  data: unknown
  trace_id?: string
  /** The resource's answer fields beside `data`, those the origin sent. */
  extra: Record<string, unknown>
}

export interface OriginReply {
  status: number
  /** The allowlisted origin headers. */
  headers: Record<string, string>
  envelope: OriginEnvelope
}

interface Origin {
  base: string
  /** How errors name it: scheme, host and base path, never credentials or a query. */
  name: string
  fetch: (url: string, init: RequestInit) => Promise<Response>
  timeoutMs: number
  /**
   * The largest answer read, counted as it decodes. The reference engine is this Worker's own code, and
   * its answers come without a length through the binding, so they are read in one call rather than
   * chunk by chunk.
   */
  maxBytes: number
  /** Accept-Encoding sent to the origin. */
  acceptEncoding?: string
}

/** How long a call may wait on the origin (the idempotency store plans with it too). */
export const originTimeoutMs = perEnv((env) => positiveInt('ORIGIN_TIMEOUT_MS', varOr(env, 'ORIGIN_TIMEOUT_MS', DEFAULT_TIMEOUT_MS)))

/** The origin of this configuration. */
const originOf = perEnv((env): Origin => {
  const timeoutMs = originTimeoutMs(env)
  return env.ORIGIN_URL
    ? {
        timeoutMs,
        maxBytes: positiveInt('ORIGIN_MAX_BYTES', varOr(env, 'ORIGIN_MAX_BYTES', DEFAULT_MAX_BYTES)),
        acceptEncoding: acceptEncodingOf(varOr(env, 'ORIGIN_ACCEPT_ENCODING', DEFAULT_ACCEPT_ENCODING)),
        ...describe(env.ORIGIN_URL),
        fetch: (url, init) => fetch(url, init),
      }
    : engineOrigin(env, timeoutMs)
})

/** Bound by `npm run dev` and the tests only (engine/wrangler.toml), never in a deployment. */
export interface DevelopmentBindings {
  ENGINE?: Fetcher
}

/** Without ORIGIN_URL the origin is the reference engine, which only development binds. */
function engineOrigin(env: Env & DevelopmentBindings, timeoutMs: number): Origin {
  const { ENGINE } = env
  if (!ENGINE) throw configError('ORIGIN_URL', 'empty, and no reference engine is bound (ENGINE): set the SOPS origin')
  return {
    timeoutMs,
    maxBytes: Number.POSITIVE_INFINITY,
    base: ENGINE_BASE,
    name: 'the reference engine (service binding ENGINE)',
    fetch: (url, init) => ENGINE.fetch(url, init),
  }
}

function describe(originUrl: string): { base: string; name: string } {
  let url: URL
  try {
    url = new URL(originUrl.endsWith('/') ? originUrl : `${originUrl}/`)
  } catch {
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'ORIGIN_URL is not a URL' })
  }
  return { base: url.href, name: `${url.protocol}//${url.host}${url.pathname}` }
}

function acceptEncodingOf(value: string): string {
  if (!ACCEPT_ENCODING.test(value)) throw configError('ORIGIN_ACCEPT_ENCODING', 'must be an Accept-Encoding value, e.g. identity or gzip')
  return value
}

function requestFor(origin: Origin, call: OriginRequest, signal: AbortSignal): [string, RequestInit] {
  const headers = origin.acceptEncoding ? { ...call.headers, 'Accept-Encoding': origin.acceptEncoding } : call.headers
  const present = Object.entries(call.fields).filter(([, v]) => v !== undefined)
  if (call.method === 'GET') {
    const query = new URLSearchParams()
    for (const [key, value] of present) if (value !== false) query.set(key, String(value))
    const search = query.size ? `?${query}` : ''
    return [`${origin.base}${call.path}${search}`, { method: 'GET', headers, redirect: 'manual', signal }]
  }
  return [
    `${origin.base}${call.path}`,
    {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(present)),
      redirect: 'manual',
      signal,
    },
  ]
}

const isTimeout = (err: unknown) => err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
const describeError = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/["\r\n]/g, ' ').slice(0, 200)

/** Calls the origin and records in `timings.origin` how long it took and its status, or why there is none. */
export async function callOrigin(env: Env, call: OriginRequest, timings: Timings): Promise<OriginReply> {
  const origin = originOf(env)
  const started = performance.now()
  const record = (desc: string) => (timings.origin = { desc, dur: performance.now() - started })
  // The cheapest deadline there is: no timer to clear, and the runtime drops it with the request.
  const signal = AbortSignal.timeout(origin.timeoutMs)
  let res: Response | undefined
  let text: string | null
  try {
    res = await origin.fetch(...requestFor(origin, call, signal))
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel()
      throw badGateway(origin, `origin answered HTTP ${res.status}, a redirect, which is not followed`)
    }
    // The runtime decodes a compressed answer as it streams: the cap counts the decoded bytes.
    text = Number.isFinite(origin.maxBytes) ? await readBounded(res.body, origin.maxBytes) : await res.text()
    if (text === null) await res.body?.cancel()
  } catch (err) {
    record(res ? String(res.status) : isTimeout(err) ? 'timeout' : 'unreachable')
    if (err instanceof GatewayError) throw err
    if (isTimeout(err)) {
      throw new GatewayError('REQUEST_BACKEND_TIMEOUT', {
        upstream_error: `no complete answer from ${origin.name} within ${origin.timeoutMs} ms`,
      })
    }
    throw badGateway(origin, `cannot reach origin ${origin.name}: ${describeError(err)}`)
  }
  record(String(res.status))
  if (text === null) throw badGateway(origin, `origin answered more than ${origin.maxBytes} bytes`)
  return { status: res.status, headers: passedHeaders(res.headers), envelope: toEnvelope(origin, res.status, text, call.answerFields) }
}

const badGateway = (origin: Origin, upstreamError: string, logDetail?: string) =>
  new GatewayError('BAD_GATEWAY', { upstream_error: upstreamError }, logDetail ? { logDetail: `${origin.name}: ${logDetail}` } : {})

function passedHeaders(headers: Headers): Record<string, string> {
  const passed: Record<string, string> = {}
  for (const name of PASSED_HEADERS) {
    const value = headers.get(name)
    if (value !== null && SAFE_HEADER_VALUE.test(value)) passed[name] = value
  }
  return passed
}

/**
 * SOPS sends `{result, code?, message, data?, trace_id?}`. Anything else is the origin failing us, and so
 * is a success claimed under an error status.
 */
function toEnvelope(origin: Origin, status: number, text: string, answerFields: readonly string[]): OriginEnvelope {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badGateway(origin, `origin answered HTTP ${status} with a body that is not JSON`, excerpt(text))
  }
  if (!isEnvelope(body)) {
    throw badGateway(origin, `origin answered HTTP ${status} with JSON that is not an envelope`, excerpt(text))
  }
  if (body.result && (status < 200 || status > 299)) {
    throw badGateway(origin, `origin answered HTTP ${status} with an envelope saying result true`, excerpt(text))
  }
  const message = typeof body.message === 'string' ? body.message : ''
  return {
    result: body.result,
    // get_task_node_log answers through DRF without a code: SOPS's success, or its unknown error.
    code: body.code ?? (body.result ? 0 : SOPS_UNKNOWN_ERROR),
    message,
    // SOPS answers node and task operations without `data`; the documented answer has data "success".
    data: 'data' in body ? body.data : body.result ? message : null,
    ...(typeof body.trace_id === 'string' ? { trace_id: body.trace_id } : {}),
    extra: Object.fromEntries(answerFields.filter((field) => field in body).map((field) => [field, (body as Record<string, unknown>)[field]])),
  }
}

function isEnvelope(body: unknown): body is { result: boolean; code?: number; message?: unknown; data?: unknown; trace_id?: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const { result, code } = body as Record<string, unknown>
  return typeof result === 'boolean' && (code === undefined || Number.isSafeInteger(code))
}

/** What the log keeps of an unusable answer. */
const excerpt = (text: string) => JSON.stringify(text.slice(0, 500))
