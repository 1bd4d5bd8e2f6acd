/**
 * The load generator, run in its own process (forked by ./load.ts) so that its CPU never competes
 * with the measuring process's: autocannon against one or more targets at once, a warm-up and then
 * the measured run with no pause between them. It says `start` as the measured run begins and sends
 * its result when it ends.
 */
import autocannon, { type Request } from 'autocannon'
import type { LoadJob, LoadMessage, LoadResult, Target } from './load.ts'
import { percentile } from './stats.ts'

const send = (message: LoadMessage) => process.send?.(message)

process.once('message', async (job: LoadJob) => {
  if (job.warmupSeconds > 0) await Promise.all(job.targets.map((target) => run(target, { ...job, seconds: job.warmupSeconds })))
  send({ type: 'start' })
  const results = await Promise.all(job.targets.map((target) => run(target, job)))
  send({ type: 'done', result: merge(results, job.seconds) })
  process.disconnect()
})

interface Run {
  total: number
  latencies: number[]
  statuses: Record<string, number>
  serverTiming: number[]
  admittedAt: number[]
}

async function run(target: Target, job: LoadJob): Promise<Run> {
  const out: Run = { total: 0, latencies: [], statuses: {}, serverTiming: [], admittedAt: [] }
  const timing = job.serverTiming && new RegExp(`(?:^|,)\\s*${job.serverTiming};(?:[^,]*;)?dur=([\\d.]+)`)
  const { paths, uniqueHeader } = target
  let serial = 0
  const vary = (request: Request): Request => ({
    ...request,
    ...(paths ? { path: paths[Math.floor(Math.random() * paths.length)] } : {}),
    ...(uniqueHeader ? { headers: { ...request.headers, [uniqueHeader]: `${process.pid}-${Date.now()}-${++serial}` } } : {}),
  })
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: target.url,
      method: target.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...target.headers },
      ...(target.body === undefined ? {} : { body: target.body }),
      connections: job.connections,
      duration: job.seconds,
      requests: [
        {
          ...(paths || uniqueHeader ? { setupRequest: vary } : {}),
          onResponse: (status, _body, _context, headers) => {
            out.statuses[status] = (out.statuses[status] ?? 0) + 1
            // Raw header names, as the server spelled them.
            const header = (name: string) => String(Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? '')
            const dur = timing ? timing.exec(header('server-timing')) : null
            if (dur) out.serverTiming.push(Number(dur[1]))
            if (job.admittedAtHeader && status === 200) out.admittedAt.push(Number(header(job.admittedAtHeader)))
          },
        },
      ],
    }, (error, result) => (error ? reject(error) : resolve(result)))
    instance.on('response', (_client, _status, _bytes, responseTime) => out.latencies.push(responseTime))
  })
  out.total = result.requests.total
  return out
}

function merge(runs: Run[], seconds: number): LoadResult {
  const latencies = runs.flatMap((r) => r.latencies)
  const statuses: Record<string, number> = {}
  for (const r of runs) for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n
  const requests = runs.reduce((sum, r) => sum + r.total, 0)
  return {
    requests,
    rps: requests / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    statuses,
    serverTiming: runs.flatMap((r) => r.serverTiming),
    admittedAt: runs.flatMap((r) => r.admittedAt),
  }
}
