/** Load from this Node process (autocannon) against a Worker's socket, and the figures printed. */
import autocannon from 'autocannon'

export interface Target {
  url: URL
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Path and query of each request, when they vary (e.g. one key out of many). */
  path?: () => string
  /** Headers added to each request, when they vary (e.g. a new Idempotency-Key each time). */
  varyHeaders?: () => Record<string, string>
}

export interface Measured {
  rps: number
  p50: number
  p99: number
  /** Responses per status code. */
  statuses: Record<string, number>
  /** The `dur` of each response's Server-Timing metric of that name, when asked for. */
  serverTiming: number[]
}

export const LOAD = { connections: 32, warmupSeconds: 2, seconds: 8 }

/** A warm-up run, then a measured one; latency is the client's, per response, in milliseconds. */
export async function measure(target: Target, serverTimingName?: string): Promise<Measured> {
  await run(target, LOAD.warmupSeconds)
  return run(target, LOAD.seconds, serverTimingName)
}

async function run(target: Target, seconds: number, serverTimingName?: string): Promise<Measured> {
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  const serverTiming: number[] = []
  const timing = serverTimingName && new RegExp(`(?:^|,)\\s*${serverTimingName};(?:[^,]*;)?dur=([\\d.]+)`)
  const instance = autocannon({
    url: target.url.href,
    method: target.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...target.headers },
    ...(target.body === undefined ? {} : { body: target.body }),
    connections: LOAD.connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          ...(target.path ? { path: target.path() } : {}),
          ...(target.varyHeaders ? { headers: { ...request.headers, ...target.varyHeaders() } } : {}),
        }),
        onResponse: (status, _body, _context, headers) => {
          statuses[status] = (statuses[status] ?? 0) + 1
          const dur = timing ? timing.exec(String(headers['server-timing'] ?? headers['Server-Timing'] ?? '')) : null
          if (dur) serverTiming.push(Number(dur[1]))
        },
      },
    ],
  })
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  const result = await instance
  return {
    rps: result.requests.total / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    statuses,
    serverTiming,
  }
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

export function printRow(label: string, m: Measured): void {
  const statuses = Object.entries(m.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ')
  console.log(`${label.padEnd(40)} ${fixed(m.rps, 0).padStart(8)} req/s   p50 ${fixed(m.p50, 2).padStart(6)} ms   p99 ${fixed(m.p99, 2).padStart(6)} ms   ${statuses}`)
}

/** `measured` relative to `baseline`, from the same run. */
export function printRatio(label: string, measured: Measured, baseline: Measured): void {
  console.log(
    `\nratio ${label}: throughput ${(measured.rps / baseline.rps).toFixed(2)}×, ` +
      `p50 latency ${(measured.p50 / baseline.p50).toFixed(2)}×, p99 latency ${(measured.p99 / baseline.p99).toFixed(2)}×`,
  )
}

export function printHeader(title: string): void {
  console.log(`\n${title}\n(${LOAD.connections} connections, ${LOAD.warmupSeconds} s warm-up + ${LOAD.seconds} s measured, autocannon → workerd via Miniflare)`)
}

/** One request before the load, so a misconfigured run stops with the reason instead of timing errors. */
export async function expectOk(target: Target): Promise<void> {
  const url = target.path ? new URL(target.path(), target.url) : target.url
  const res = await fetch(url, {
    method: target.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...target.headers, ...target.varyHeaders?.() },
    ...(target.body === undefined ? {} : { body: target.body }),
  })
  const body = await res.text()
  if (!res.ok) throw new Error(`${target.method ?? 'GET'} ${url.pathname} answered ${res.status}: ${body}`)
}
