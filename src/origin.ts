/**
 * The call to the origin task engine (CONTRACT §7): SOPS's API backend at ORIGIN_URL, or the
 * reference engine bound to this Worker when ORIGIN_URL is empty — through the very same code.
 * Whatever the origin does, the caller gets an envelope: its own when it sent one, else a 502/504.
 */
import type { GatewayEnv } from './env.ts'
import { GatewayError } from './errors.ts'

const DEFAULT_TIMEOUT_MS = 30_000
const ENGINE_BASE = 'https://engine.internal/'
/** Origin headers that describe the origin's own body or connection, or must not reach the caller. */
const DROPPED_HEADERS = ['content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'set-cookie']

export interface OriginRequest {
  method: 'GET' | 'POST'
  /** Relative to the origin's base URL, e.g. `apigw/operate_node/2/12/`. */
  path: string
  /** The operation's fields: the JSON body of a POST, the query of a GET. */
  fields: Record<string, unknown>
  headers: Record<string, string>
}

/** SOPS's envelope as the origin sent it, `data` filled in where SOPS leaves it out. */
export interface OriginEnvelope {
  result: boolean
  code: number
  message: string
  data: unknown
  trace_id?: string
}

export interface OriginReply {
  status: number
  headers: Headers
  envelope: OriginEnvelope
}

function target(env: GatewayEnv): { base: string; fetch: (req: Request) => Promise<Response> } {
  if (env.ORIGIN_URL) return { base: env.ORIGIN_URL.endsWith('/') ? env.ORIGIN_URL : `${env.ORIGIN_URL}/`, fetch: (req) => fetch(req) }
  return { base: ENGINE_BASE, fetch: (req) => env.ENGINE.fetch(req) }
}

function buildRequest(base: string, call: OriginRequest, signal: AbortSignal): Request {
  const url = new URL(call.path, base)
  const present = Object.entries(call.fields).filter(([, v]) => v !== undefined)
  if (call.method === 'GET') {
    for (const [key, value] of present) if (value !== false) url.searchParams.set(key, String(value))
    return new Request(url, { method: 'GET', headers: call.headers, signal })
  }
  return new Request(url, {
    method: 'POST',
    headers: { ...call.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(Object.fromEntries(present)),
    signal,
  })
}

const isTimeout = (err: unknown) => err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
const describeError = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/["\r\n]/g, ' ').slice(0, 200)

export async function callOrigin(env: GatewayEnv, call: OriginRequest): Promise<OriginReply> {
  const { base, fetch } = target(env)
  const signal = AbortSignal.timeout(Number(env.ORIGIN_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS)
  let res: Response
  let text: string
  try {
    res = await fetch(buildRequest(base, call, signal))
    text = await res.text()
  } catch (err) {
    if (isTimeout(err)) {
      throw new GatewayError('REQUEST_BACKEND_TIMEOUT', {
        upstream_error: 'connection timed out while reading response header from upstream OR reading upstream',
      })
    }
    throw new GatewayError('BAD_GATEWAY', { upstream_error: `cannot reach origin: ${describeError(err)}` })
  }

  const headers = new Headers(res.headers)
  for (const name of DROPPED_HEADERS) headers.delete(name)
  return { status: res.status, headers, envelope: toEnvelope(res.status, text) }
}

/** SOPS sends `{result, code, message, data?, trace_id?}`; anything else is the origin failing us. */
function toEnvelope(status: number, text: string): OriginEnvelope {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new GatewayError('BAD_GATEWAY', {
      upstream_error: `origin answered HTTP ${status} with a body that is not JSON`,
      ...readableReason(text),
    })
  }
  if (!isEnvelope(body)) {
    throw new GatewayError('BAD_GATEWAY', { upstream_error: `origin answered HTTP ${status} with JSON that is not an envelope` })
  }
  const message = typeof body.message === 'string' ? body.message : ''
  return {
    result: body.result,
    code: body.code,
    message,
    // SOPS answers node and task operations without `data`; the documented answer has data "success".
    data: 'data' in body ? body.data : body.result ? message : null,
    ...(typeof body.trace_id === 'string' ? { trace_id: body.trace_id } : {}),
  }
}

function isEnvelope(body: unknown): body is { result: boolean; code: number; message?: unknown; data?: unknown; trace_id?: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const { result, code } = body as Record<string, unknown>
  return typeof result === 'boolean' && Number.isInteger(code)
}

/** Like BlueKing, a short plain-text error from the origin is worth showing; an HTML page is not. */
function readableReason(text: string): { reason?: string } {
  const trimmed = text.trim()
  if (!trimmed || trimmed.startsWith('<')) return {}
  return { reason: trimmed.replace(/["\r\n]/g, ' ').slice(0, 200) }
}
