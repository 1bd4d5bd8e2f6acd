/**
 * A stand-in SOPS backend on 127.0.0.1 for the faults the reference engine never makes (HTML 500s,
 * non-JSON bodies, silence) and for recording exactly what reached the origin. Started once per
 * test run by vitest's globalSetup; the Worker tests reach it through ORIGIN_URL.
 *
 * The first path segment picks the behaviour: /<behaviour>/apigw/...; `redirect-<status>` sends the
 * caller to /caught/…, which records what a followed redirect would deliver under `caught-<X-Request-ID>`.
 * `/__recorded/<X-Request-ID>` reads what a call sent; `/__executions/<app code>` how many calls of
 * that app (the JWT's app_code) reached the origin at all. `/__callbacks/<name>` is a task's
 * callback_url: a POST there is kept, a GET reads it back.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import type { TestProject } from 'vitest/node'

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string
}

const recorded = new Map<string, RecordedRequest>()
const executions = new Map<string, number>()
const callbacks = new Map<string, { contentType: string; body: string }>()

/** The app_code of the gateway's X-Bkapi-Jwt (its signature is the reference engine's business). */
function appCodeOf(jwt: string | undefined): string {
  try {
    return String(JSON.parse(Buffer.from(jwt?.split('.')[1] ?? '', 'base64url').toString('utf8')).app.app_code)
  } catch {
    return ''
  }
}

const sopsSuccess = JSON.stringify({ result: true, message: 'success', code: 0, trace_id: 'f'.repeat(32) })
const json = { 'Content-Type': 'application/json' }

/** An answer of `bytes` bytes of valid JSON, sent with or without a Content-Length. */
function largeAnswer(res: ServerResponse, bytes: number, chunked: boolean) {
  const body = JSON.stringify({ result: true, code: 0, message: 'success', data: 'x'.repeat(bytes - 60) })
  res.writeHead(200, chunked ? json : { ...json, 'Content-Length': Buffer.byteLength(body) })
  if (chunked) for (let i = 0; i < body.length; i += 65_536) res.write(body.slice(i, i + 65_536))
  res.end(chunked ? undefined : body)
}

/** A gzip bomb: a valid envelope 64 MiB long once decoded, about 64 KB as sent (made on first use). */
let bomb: Buffer | undefined
const gzipBomb = () => (bomb ??= gzipSync(JSON.stringify({ result: true, code: 0, message: 'success', data: 'x'.repeat(64 * 1024 * 1024) })))

function gzipped(res: ServerResponse, body: Buffer) {
  res.writeHead(200, { ...json, 'Content-Encoding': 'gzip', 'Content-Length': body.byteLength }).end(body)
}

const redirect = (status: number) => (res: ServerResponse, req: RecordedRequest) =>
  res.writeHead(status, { Location: `/caught${req.path}` }).end()

/** What the gateway may send: anything else reaching the origin is a hole (the fuzz test relies on this). */
const ID = /^[A-Za-z0-9_-]{1,64}$/
const FORWARDED: Record<string, (value: unknown) => boolean> = {
  node_id: (v) => typeof v === 'string' && ID.test(v),
  action: (v) => typeof v === 'string' && /^[a-z_]{3,20}$/.test(v),
  data: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  inputs: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  flow_id: (v) => typeof v === 'string' && ID.test(v),
  flow_ids: (v) => Array.isArray(v) && v.length >= 1 && v.length <= 100 && v.every((f) => typeof f === 'string' && ID.test(f)),
  converge_gateway_id: (v) => typeof v === 'string' && ID.test(v),
  callback_data: () => true,
  version: (v) => typeof v === 'string' && /^v[0-9a-f]{32}$/.test(v),
  scope: (v) => v === 'cmdb_biz' || v === 'project',
  subprocess_id: (v) => typeof v === 'string' && ID.test(v),
  with_ex_data: (v) => typeof v === 'string',
}

/** Why the request is not one the gateway may send, or undefined when it is. */
function strictProblem(req: RecordedRequest): string | undefined {
  const path = /^\/apigw\/(operate_node|operate_task|node_callback|get_task_status)\/(\d{1,18})\/(\d{1,18})\/$/.exec(req.path)
  if (!path) return `path ${req.path}`
  if ((path[1] === 'get_task_status') !== (req.method === 'GET')) return `method ${req.method}`
  const h = req.headers
  if (!/^[^.]+\.[^.]+\.[^.]+$/.test(h['x-bkapi-jwt'] ?? '')) return 'no JWT'
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(h['x-request-id'] ?? '')) return 'X-Request-ID'
  if (h.traceparent !== undefined && !/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(h.traceparent)) return 'traceparent'
  for (const name of ['cookie', 'authorization', 'x-bkapi-authorization']) if (name in h) return `header ${name}`
  let fields: Record<string, unknown>
  if (req.method === 'GET') fields = req.query
  else {
    try {
      fields = JSON.parse(req.body)
    } catch {
      return 'body not JSON'
    }
  }
  for (const [key, value] of Object.entries(fields)) if (!FORWARDED[key]?.(value)) return `field ${key}`
  return undefined
}

const behaviours: Record<string, (res: ServerResponse, req: RecordedRequest) => void> = {
  /** Accepts only what the gateway may send; anything else comes back as code 4999999 naming the hole. */
  strict: (res, req) => {
    const problem = strictProblem(req)
    res.writeHead(200, json).end(problem ? JSON.stringify({ result: false, code: 4999999, message: `origin saw ${problem}` }) : sopsSuccess)
  },
  ok: (res) => res.writeHead(200, { 'Content-Type': 'application/json', 'Sops-Trace-Id': 'f'.repeat(32) }).end(sopsSuccess),
  'html-500': (res) => res.writeHead(500, { 'Content-Type': 'text/html' }).end('<html><body><h1>Server Error (500)</h1></body></html>'),
  'text-200': (res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK'),
  'not-envelope': (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"fine"}'),
  'sops-error': (res) =>
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ result: false, message: 'task command is invalid', code: 3599999, trace_id: 'e'.repeat(32) })),
  forbidden: (res) => res.writeHead(403, { 'Content-Type': 'text/plain' }).end('This API can only be accessed through API gateway'),
  slow: (res, req) => setTimeout(() => behaviours.ok?.(res, req), 300), // success, after a while
  large: (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ result: true, code: 0, message: 'success', data: 'x'.repeat(300_000) })),
  silent: () => {}, // never answers: the gateway's timeout must fire
  reset: (res) => res.socket?.destroy(),
  'redirect-302': redirect(302),
  'redirect-307': redirect(307),
  'redirect-308': redirect(308),
  caught: (res) => res.writeHead(200, json).end(sopsSuccess),
  'leaky-headers': (res) =>
    res
      .writeHead(200, {
        ...json,
        'Sops-Trace-Id': 'a'.repeat(32),
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Credentials': 'true',
        Location: 'https://elsewhere.example/',
        Server: 'gunicorn/internal',
        'X-Origin-Secret': 'origin-secret-value',
        'Set-Cookie': 'sessionid=origin-cookie',
        'X-Huge': 'h'.repeat(60 * 1024),
      })
      .end(sopsSuccess),
  'unsafe-trace-id': (res) => res.writeHead(200, { ...json, 'Sops-Trace-Id': '<script>alert(1)</script>' }).end(sopsSuccess),
  'success-401': (res) => res.writeHead(401, json).end(sopsSuccess),
  'success-500': (res) => res.writeHead(500, json).end(sopsSuccess),
  'sops-error-500': (res) => res.writeHead(500, json).end(JSON.stringify({ result: false, code: 3599999, message: 'fail: Traceback …', trace_id: 'e'.repeat(32) })),
  'gzip-bomb': (res) => gzipped(res, gzipBomb()),
  'gzip-ok': (res) => gzipped(res, gzipSync(sopsSuccess)),
  /** SOPS's refusal with a message that would forge a terminal line: a newline, a fake line, ANSI codes. */
  'forging-message': (res) =>
    res
      .writeHead(200, json)
      .end(JSON.stringify({ result: false, code: 3599999, message: 'bad\nPOST /api/forged 200 OK 1ms admin\u001b[2K\u001b[1A\r\u001b]0;title\u0007' })),
  'large-length': (res) => largeAnswer(res, 3 * 1024 * 1024, false),
  'large-chunked': (res) => largeAnswer(res, 3 * 1024 * 1024, true),
}

function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://origin')
    const [, behaviour = '', ...rest] = url.pathname.split('/')
    if (behaviour === '__recorded') {
      const entry = recorded.get(rest.join('/'))
      res.writeHead(entry ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(entry ?? null))
      return
    }
    if (behaviour === '__callbacks') {
      const key = rest.join('/')
      if (req.method === 'POST') {
        callbacks.set(key, { contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') })
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok')
      } else res.writeHead(callbacks.has(key) ? 200 : 404, json).end(JSON.stringify(callbacks.get(key) ?? null))
      return
    }
    if (behaviour === '__executions') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(executions.get(rest.join('/')) ?? 0))
      return
    }
    const entry: RecordedRequest = {
      method: req.method ?? '',
      path: `/${rest.join('/')}`,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body: Buffer.concat(chunks).toString('utf8'),
    }
    // Recorded under the caller's X-Request-ID so concurrent tests never read each other's request.
    recorded.set(`${behaviour === 'caught' ? 'caught-' : ''}${req.headers['x-request-id'] ?? ''}`, entry)
    const app = appCodeOf(entry.headers['x-bkapi-jwt'])
    executions.set(app, (executions.get(app) ?? 0) + 1)
    const act = behaviours[behaviour]
    if (act) act(res, entry)
    else res.writeHead(404).end()
  })
}

export default async function setup(project: TestProject) {
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project.provide('originUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  return () => new Promise<void>((resolve) => server.close(() => resolve()))
}
