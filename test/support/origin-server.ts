/**
 * A stand-in SOPS backend on 127.0.0.1 for the faults the reference engine never makes (HTML 500s,
 * non-JSON bodies, silence) and for recording exactly what reached the origin. Started once per
 * test run by vitest's globalSetup; the Worker tests reach it through ORIGIN_URL.
 *
 * The first path segment picks the behaviour: /<behaviour>/apigw/...
 * `/__recorded/<X-Request-ID>` reads what a call sent; `/__executions/<app code>` how many calls of
 * that app (the JWT's app_code) reached the origin at all.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
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

/** The app_code of the gateway's X-Bkapi-Jwt (its signature is the reference engine's business). */
function appCodeOf(jwt: string | undefined): string {
  try {
    return String(JSON.parse(Buffer.from(jwt?.split('.')[1] ?? '', 'base64url').toString('utf8')).app.app_code)
  } catch {
    return ''
  }
}

const sopsSuccess = JSON.stringify({ result: true, message: 'success', code: 0, trace_id: 'f'.repeat(32) })

const behaviours: Record<string, (res: ServerResponse, req: RecordedRequest) => void> = {
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
    recorded.set(String(req.headers['x-request-id'] ?? ''), entry)
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
