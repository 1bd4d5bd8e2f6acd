/**
 * A stand-in SOPS backend on 127.0.0.1 for the faults the reference engine never makes (HTML 500s,
 * non-JSON bodies, silence) and for recording exactly what reached the origin. Started once per
 * test run by vitest's globalSetup; the Worker tests reach it through ORIGIN_URL.
 *
 * The first path segment picks the behaviour: /<behaviour>/apigw/...; `redirect-<status>` sends the
 * caller to /caught/…, which records what a followed redirect would deliver under `caught-<X-Request-ID>`.
 * `/__recorded/<X-Request-ID or X-Bkapi-Request-ID>` reads what a call sent; `/__executions/<app code>`
 * how many calls of that app (the JWT's app_code) reached the origin at all. `/__callbacks/<name>` is a
 * task's callback_url: a POST there is kept, a GET reads it back.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import type { TestProject } from 'vitest/node'
import type { RecordedRequest } from './recorded-request.ts'

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

/**
 * What the gateway may send, per resource as SOPS documents it (bk-sops docs/apidoc): the path's ids,
 * the method and the fields. Written out here, not taken from the gateway's table, so that a field the
 * table should not forward is a hole: anything else reaching the origin (the fuzz test relies on this).
 */
type Check = (value: unknown) => boolean
const ID = /^[A-Za-z0-9_-]{1,64}$/
const text = (pattern: RegExp): Check => (v) => typeof v === 'string' && pattern.test(v)
const object: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
const idList = (max: number): Check => (v) => Array.isArray(v) && v.length <= max && v.every((f) => typeof f === 'string' && ID.test(f))
const nodeId = text(ID)
const flag = text(/^(true|false)$/)
const digits = text(/^\d{1,18}$/)
const upTo = (max: number): Check => (v) => typeof v === 'string' && v.length <= max
const scope = { scope: (v: unknown) => v === 'cmdb_biz' || v === 'project' }

const templateTask: Record<string, Check> = {
  ...scope,
  name: (v) => typeof v === 'string' && v.length >= 1 && v.length <= 100,
  template_source: text(/^(business|project|common)$/),
  flow_type: text(/^(common|common_func)$/),
  constants: object,
  exclude_task_nodes_id: idList(500),
  description: upTo(1000),
  callback_url: (v) => typeof v === 'string' && v.length <= 1024 && /^https?:\/\/\w.+$/.test(v),
  callback_version: text(/^v[12]$/),
}
const templateFlags = { include_executor_proxy: flag, include_subprocess: flag, include_constants: flag, include_notify: flag }
const taskIds = (max: number): Check => (v) => Array.isArray(v) && v.length <= max && v.every((id) => Number.isSafeInteger(id) && (id as number) > 0)

const ORIGIN_RESOURCES: Record<string, { method: 'GET' | 'POST'; ids: number; fields: Record<string, Check> }> = {
  operate_node: {
    method: 'POST',
    ids: 2,
    fields: {
      ...scope,
      node_id: nodeId,
      action: text(/^[a-z_]{3,20}$/),
      data: object,
      inputs: object,
      flow_id: nodeId,
      flow_ids: (v) => Array.isArray(v) && v.length >= 1 && idList(100)(v),
      converge_gateway_id: nodeId,
    },
  },
  operate_task: { method: 'POST', ids: 2, fields: { ...scope, action: text(/^[a-z_]{3,20}$/) } },
  node_callback: { method: 'POST', ids: 2, fields: { ...scope, node_id: nodeId, callback_data: () => true, version: text(/^v[0-9a-f]{32}$/) } },
  get_task_status: { method: 'GET', ids: 2, fields: { ...scope, subprocess_id: nodeId, with_ex_data: (v) => typeof v === 'string' } },
  create_task: { method: 'POST', ids: 2, fields: { ...templateTask, execute_task_nodes_id: idList(500) } },
  create_and_start_task: { method: 'POST', ids: 2, fields: templateTask },
  fast_create_task: {
    method: 'POST',
    ids: 1,
    fields: { ...scope, name: templateTask.name!, pipeline_tree: object, flow_type: templateTask.flow_type!, description: upTo(1000), category: text(/^[A-Za-z]{2,20}$/) },
  },
  start_task: { method: 'POST', ids: 2, fields: scope },
  get_task_detail: { method: 'GET', ids: 2, fields: { ...scope, include_children_status: flag } },
  get_task_node_detail: {
    method: 'GET',
    ids: 2,
    fields: { ...scope, node_id: nodeId, component_code: text(/^\w{1,64}$/), subprocess_stack: (v) => typeof v === 'string' && /^\[[^[\]]*\]$/.test(v) && idList(16)(JSON.parse(v)), loop: text(/^[1-9]\d{0,5}$/) },
  },
  get_task_node_log: { method: 'GET', ids: 2, fields: { ...scope, node_id: nodeId, version: text(/^v?[0-9a-f]{32}$/), page: digits, page_size: digits } },
  get_tasks_status: { method: 'POST', ids: 1, fields: { ...scope, task_id_list: taskIds(50), include_children_status: (v) => typeof v === 'boolean' } },
  get_tasks_manual_intervention_state: { method: 'POST', ids: 1, fields: { ...scope, task_id_list: taskIds(9) } },
  get_task_list: {
    method: 'GET',
    ids: 1,
    fields: {
      ...scope,
      ...Object.fromEntries(['is_started', 'is_finished', 'is_child_taskflow', 'without_count'].map((name) => [name, flag])),
      ...Object.fromEntries(['keyword', 'executor', 'expected_timezone', 'create_time_start', 'create_time_end'].map((name) => [name, upTo(128)])),
      create_method: text(/^[a-z_]{2,20}$/),
      template_id: digits,
      template_ids: text(/^\d{1,18}(,\d{1,18})*$/),
      limit: digits,
      offset: digits,
    },
  },
  get_template_list: {
    method: 'GET',
    ids: 1,
    fields: { ...scope, ...templateFlags, template_source: templateTask.template_source!, id_in: text(/^\d{1,18}(,\d{1,18})*$/), name_keyword: upTo(128), include_labels: flag, expected_timezone: upTo(64) },
  },
  get_template_info: {
    method: 'GET',
    ids: 2,
    fields: { ...scope, ...templateFlags, template_source: templateTask.template_source!, unfold_subprocess: flag, format: text(/^(json|yaml)$/) },
  },
  get_user_project_list: { method: 'GET', ids: 0, fields: { include_executor_proxy: flag } },
}

/** Why the request is not one the gateway may send, or undefined when it is. */
function strictProblem(req: RecordedRequest): string | undefined {
  const [, name = '', ids = ''] = /^\/apigw\/(\w+)\/((?:\d{1,18}\/)*)$/.exec(req.path) ?? []
  const resource = ORIGIN_RESOURCES[name]
  if (!resource || ids.split('/').length - 1 !== resource.ids) return `path ${req.path}`
  if (req.method !== resource.method) return `method ${req.method}`
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
  for (const [key, value] of Object.entries(fields)) if (!resource.fields[key]?.(value)) return `field ${key}`
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
    // Recorded under the caller's X-Request-ID so concurrent tests never read each other's request, and
    // under the gateway's X-Bkapi-Request-ID, which is the call's own whatever X-Request-ID the caller sent.
    const prefix = behaviour === 'caught' ? 'caught-' : ''
    recorded.set(`${prefix}${req.headers['x-request-id'] ?? ''}`, entry)
    if (req.headers['x-bkapi-request-id']) recorded.set(`${prefix}${req.headers['x-bkapi-request-id']}`, entry)
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
