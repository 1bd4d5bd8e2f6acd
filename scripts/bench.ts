/**
 * `npm run bench`: the full gateway pipeline against a bare Hono proxy to the same origin, both on
 * workerd, with the seed document's request. Interleaved rounds of (a) the bare proxy, (b) the
 * pipeline as deployed, (c) with the limiter off, (d) with the access-log line built but not printed,
 * (e) the floor: a gateway with no checks that still reads the body, calls the origin as the contract
 * says and prints one access-log line (./bench/workers/floor.ts), (f) the floor with the line not
 * printed, and (g) the checks floor: the floor plus the checks' own work for this call, in straight-line
 * code with the gateway's own parts and no pipeline (./bench/workers/checks-floor.ts). The order of
 * the variants turns by one each round, so none is always measured first or last. Medians of
 * throughput and of workerd's CPU time per request; limiter object calls per admitted request; then
 * the origin calls per second of 100 watchers of one task (live status). Figures only: nothing is
 * asserted. The last line is the summary.
 */
import { BENCH_RATE_LIMITS, benchWorker, checksFloorWorker, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { originCallsPerSecond } from './bench/live-status.ts'
import { expectOk, measure, printHeader, printRow } from './bench/load.ts'
import type { Measured, Target } from './bench/load.ts'
import { median } from './bench/stats.ts'

const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 5))

const cluster = await startCluster([
  originWorker(),
  await benchWorker('bare', 'bare-proxy.ts', { serviceBindings: { ORIGIN: 'origin' } }),
  await benchWorker('floor', 'floor.ts', { serviceBindings: { ORIGIN: 'origin' } }),
  await benchWorker('floor-unprinted', 'floor.ts', { serviceBindings: { ORIGIN: 'origin' }, bindings: { LOG_FORMAT: 'none' } }),
  await gatewayWorker('gateway'),
  await gatewayWorker('gateway-unlimited', { RATE_LIMIT_ENABLED: 'false' }),
  await gatewayWorker('gateway-unprinted', { LOG_FORMAT: 'none' }),
  await checksFloorWorker('checks-floor'),
])
try {
  for (const gateway of ['gateway', 'gateway-unlimited', 'gateway-unprinted']) await cluster.seedDemo(gateway, BENCH_RATE_LIMITS)
  const variants: { key: 'bare' | 'on' | 'off' | 'unprinted' | 'floor' | 'floorUnprinted' | 'checksFloor'; label: string; target: Target }[] = [
    { key: 'bare', label: '(a) bare Hono proxy', target: await cluster.seedRequest('bare') },
    { key: 'on', label: '(b) pipeline, limiter on', target: await cluster.seedRequest('gateway') },
    { key: 'off', label: '(c) pipeline, limiter off', target: await cluster.seedRequest('gateway-unlimited') },
    { key: 'unprinted', label: '(d) pipeline, access log not printed', target: await cluster.seedRequest('gateway-unprinted') },
    { key: 'floor', label: '(e) floor: no checks, origin call + log', target: await cluster.seedRequest('floor') },
    { key: 'floorUnprinted', label: '(f) floor, log line not printed', target: await cluster.seedRequest('floor-unprinted') },
    { key: 'checksFloor', label: "(g) checks floor: floor + the checks' work", target: await cluster.seedRequest('checks-floor') },
  ]
  for (const { target } of variants) await expectOk(target)

  printHeader(`npm run bench: POST operate_node (the seed request) → origin answering SOPS success; ${ROUNDS} interleaved rounds`)
  const runs = Object.fromEntries(variants.map(({ key }) => [key, [] as Measured[]])) as Record<(typeof variants)[number]['key'], Measured[]>
  const limiter = { calls: 0, admitted: 0 }
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`round ${round + 1}`)
    for (const { key, label, target } of [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)]) {
      const measured = await measure([target], {}, key === 'on' ? () => cluster.limiterCalls('gateway') : undefined)
      runs[key].push(measured)
      if (key === 'on') {
        limiter.calls += measured.counted
        limiter.admitted += measured.statuses['200'] ?? 0
      }
      printRow(`  ${label}`, measured)
    }
  }

  const rps = (key: keyof typeof runs) => median(runs[key].map((m) => m.rps))
  const cpu = (key: keyof typeof runs) => median(runs[key].map((m) => m.cpuUs))
  const µs = (n: number) => n.toFixed(0)
  /** A variant's CPU minus another's in the same round, for each round. */
  const differences = (key: keyof typeof runs, over: keyof typeof runs) => runs[key].map((m, i) => m.cpuUs - runs[over][i]!.cpuUs)
  /** Their median: steadier than a difference of medians. */
  const added = (key: keyof typeof runs, over: keyof typeof runs) => median(differences(key, over))
  /** How far the rounds disagreed: the smallest and largest of the paired differences. */
  const spread = (key: keyof typeof runs, over: keyof typeof runs) =>
    `rounds ${µs(Math.min(...differences(key, over)))} to ${µs(Math.max(...differences(key, over)))}`
  console.log(`\nmedians over ${ROUNDS} rounds`)
  console.log(`  throughput: bare ${µs(rps('bare'))} req/s, pipeline ${µs(rps('on'))} (limiter on), ${µs(rps('off'))} (limiter off), floor ${µs(rps('floor'))}`)
  console.log(`  workerd CPU: bare ${µs(cpu('bare'))} µs/request, pipeline ${µs(cpu('on'))} (limiter on), ${µs(cpu('off'))} (limiter off), floor ${µs(cpu('floor'))}`)
  console.log(
    `  added CPU over bare, paired by round: pipeline ${µs(added('on', 'bare'))} µs/request (${spread('on', 'bare')}), ` +
      `of which the limiter ${µs(added('on', 'off'))} (${spread('on', 'off')}) and printing the access-log line ${µs(added('on', 'unprinted'))} ` +
      `(${spread('on', 'unprinted')}; workerd here writes each line to a pipe, production buffers a request's logs)`,
  )
  console.log(
    `  the floor adds ${µs(added('floor', 'bare'))} µs/request at ${(rps('floor') / rps('bare')).toFixed(2)}× the throughput ` +
      `(${µs(added('floorUnprinted', 'bare'))} µs at ${(rps('floorUnprinted') / rps('bare')).toFixed(2)}× without printing its line): what any gateway ` +
      `that reads the body, calls the origin with a deadline and logs the call pays; the pipeline's checks add ${µs(added('on', 'floor'))} on top`,
  )
  console.log(
    `  the checks floor adds ${µs(added('checksFloor', 'floor'))} µs/request over the floor (${spread('checksFloor', 'floor')}): the checks' own work ` +
      `for this call in straight-line code, with the gateway's parts and no pipeline, which any implementation of the contract's checks pays; ` +
      `the pipeline adds ${µs(added('on', 'checksFloor'))} over it (${spread('on', 'checksFloor')})`,
  )
  console.log(`  limiter object calls: ${limiter.calls} for ${limiter.admitted} admitted requests (measured runs, after a warm-up)`)
  console.log(
    `  printing a line: the gateway's access line ${µs(added('on', 'unprinted'))} µs/request (${spread('on', 'unprinted')}), ` +
      `the floor's line of the same fields ${µs(added('floor', 'floorUnprinted'))} (${spread('floor', 'floorUnprinted')})`,
  )
  const LIVE_WATCHERS = 100
  const LIVE_SECONDS = 20
  const liveRate = await originCallsPerSecond(cluster, 'gateway', LIVE_WATCHERS, LIVE_SECONDS)
  console.log(`  live status: ${LIVE_WATCHERS} watchers of one task, ${liveRate.toFixed(2)} origin get_task_status calls/s over ${LIVE_SECONDS} s (goal ≤ 1)`)
  console.log(
    `bench: throughput ratio ${(rps('on') / rps('bare')).toFixed(2)}, added CPU ${µs(added('on', 'bare'))} µs/request, ` +
      `checks over floor ${µs(added('on', 'floor'))} µs/request (checks floor ${µs(added('checksFloor', 'floor'))}), ` +
      `limiter calls per admitted request ${(limiter.calls / limiter.admitted).toFixed(4)}`,
  )
} finally {
  await cluster.close()
}
