/**
 * `npm run bench`: the full gateway pipeline against a bare Hono proxy to the same origin, both on
 * workerd, with the seed document's request. Interleaved rounds of (a) the bare proxy, (b) the
 * pipeline as deployed, (c) with the limiter off, (d) with the access-log line built but not printed;
 * medians of throughput and of workerd's CPU time per request; limiter object calls per admitted
 * request. Figures only: nothing is asserted. The last line is the summary.
 */
import { BENCH_RATE_LIMITS, benchWorker, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { expectOk, measure, printHeader, printRow } from './bench/load.ts'
import type { Measured } from './bench/load.ts'
import { median } from './bench/stats.ts'

const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3))

const cluster = await startCluster([
  originWorker(),
  await benchWorker('bare', 'bare-proxy.ts', { serviceBindings: { ORIGIN: 'origin' } }),
  await gatewayWorker('gateway'),
  await gatewayWorker('gateway-unlimited', { RATE_LIMIT_ENABLED: 'false' }),
  await gatewayWorker('gateway-unprinted', { LOG_FORMAT: 'none' }),
])
try {
  for (const gateway of ['gateway', 'gateway-unlimited', 'gateway-unprinted']) await cluster.seedDemo(gateway, BENCH_RATE_LIMITS)
  const targets = {
    bare: await cluster.seedRequest('bare'),
    on: await cluster.seedRequest('gateway'),
    off: await cluster.seedRequest('gateway-unlimited'),
    unprinted: await cluster.seedRequest('gateway-unprinted'),
  }
  for (const target of Object.values(targets)) await expectOk(target)

  printHeader(`npm run bench: POST operate_node (the seed request) → origin answering SOPS success; ${ROUNDS} interleaved rounds`)
  const runs: Record<keyof typeof targets, Measured[]> = { bare: [], on: [], off: [], unprinted: [] }
  const limiter = { calls: 0, admitted: 0 }
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}`)
    runs.bare.push(await measure([targets.bare]))
    printRow('  (a) bare Hono proxy', runs.bare.at(-1)!)
    runs.on.push(await measure([targets.on], {}, () => cluster.limiterCalls('gateway')))
    limiter.calls += runs.on.at(-1)!.counted
    limiter.admitted += runs.on.at(-1)!.statuses['200'] ?? 0
    printRow('  (b) pipeline, limiter on', runs.on.at(-1)!)
    runs.off.push(await measure([targets.off]))
    printRow('  (c) pipeline, limiter off', runs.off.at(-1)!)
    runs.unprinted.push(await measure([targets.unprinted]))
    printRow('  (d) pipeline, access log not printed', runs.unprinted.at(-1)!)
  }

  const rps = (key: keyof typeof runs) => median(runs[key].map((m) => m.rps))
  const cpu = (key: keyof typeof runs) => median(runs[key].map((m) => m.cpuUs))
  const callsPerAdmitted = limiter.calls / limiter.admitted
  console.log(`\nmedians over ${ROUNDS} rounds`)
  console.log(`  throughput: bare ${rps('bare').toFixed(0)} req/s, pipeline ${rps('on').toFixed(0)} (limiter on), ${rps('off').toFixed(0)} (limiter off)`)
  console.log(`  workerd CPU: bare ${cpu('bare').toFixed(0)} µs/request, pipeline ${cpu('on').toFixed(0)} (limiter on), ${cpu('off').toFixed(0)} (limiter off)`)
  console.log(
    `  added CPU: ${(cpu('on') - cpu('bare')).toFixed(0)} µs/request, of which the limiter ${(cpu('on') - cpu('off')).toFixed(0)}, ` +
      `printing the access-log line ${(cpu('on') - cpu('unprinted')).toFixed(0)} (workerd here writes each line to a pipe; ` +
      `production buffers a request's logs), and the rest of the pipeline ${(cpu('off') - cpu('bare')).toFixed(0)}`,
  )
  console.log(`  limiter object calls: ${limiter.calls} for ${limiter.admitted} admitted requests (measured runs, after a warm-up)`)
  console.log(
    `bench: throughput ratio ${(rps('on') / rps('bare')).toFixed(2)}, added CPU ${(cpu('on') - cpu('bare')).toFixed(0)} µs/request, ` +
      `limiter calls per admitted request ${callsPerAdmitted.toFixed(4)}`,
  )
} finally {
  await cluster.close()
}
