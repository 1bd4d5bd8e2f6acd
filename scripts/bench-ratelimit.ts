/**
 * `npm run bench:ratelimit`, all on workerd in one run:
 * 1. the limiter object alone: decisions per second and their latency, one call per request, for one
 *    hot key and for many keys;
 * 2. the gateway with leases (the default), with one object call per request (RATE_LIMIT_LEASE_MS=0)
 *    and with the limiter off;
 * 3. exactness across isolates: several edge Workers (separate scripts, hence separate isolates, each
 *    with its own leases and deny-cache) share one key's object under overload, and no interval of one
 *    period may admit more than the limit.
 * Figures only, except that 3 exits non-zero if the limit was ever passed.
 */
import { BENCH_RATE_LIMITS, GATEWAY_LIMITER, benchWorker, edgeWorker, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { expectOk, LOAD, measure, printHeader, printRow, printServerTiming, runLoad } from './bench/load.ts'
import type { Measured } from './bench/load.ts'
import { busiestWindow } from './bench/stats.ts'

/** Enough objects to spread the load; each is created before the measurement, which creation would dominate. */
const MANY_KEYS = 100
/** The exactness check: its edge isolates, its limit, and how long they overload it. */
const EDGES = 4
const EDGE_LIMIT = { tokens: 300, period: 1 }
const EDGE_SECONDS = 6
/** The usual load, shared out among the edges. */
const EDGE_CONNECTIONS = LOAD.connections / EDGES

const edges = Array.from({ length: EDGES }, (_, i) => `edge-${i + 1}`)
const cluster = await startCluster([
  originWorker(),
  await gatewayWorker('gateway'),
  await gatewayWorker('gateway-per-call', { RATE_LIMIT_LEASE_MS: '0' }),
  await gatewayWorker('gateway-unlimited', { RATE_LIMIT_ENABLED: 'false' }),
  await benchWorker('limiter', 'limiter.ts', { durableObjects: GATEWAY_LIMITER }),
  ...(await Promise.all(edges.map((name) => edgeWorker(name, EDGE_LIMIT)))),
])
try {
  const limiter = (await cluster.url('limiter')).href
  const oneKey = { url: limiter, paths: ['/?key=one'] }
  const manyKeys = { url: limiter, paths: Array.from({ length: MANY_KEYS }, (_, k) => `/?key=k${k}`) }
  for (const path of ['/?key=one', ...manyKeys.paths]) await expectOk({ url: limiter, paths: [path] })

  printHeader('1. the limiter object alone: admitted decisions, two windows, one call per request')
  const decisions = (label: string, m: Measured) => {
    printRow(label, m)
    printServerTiming('the call as the Worker sees it', m)
  }
  decisions('one key (one object)', await measure([oneKey], { serverTiming: 'decide' }))
  decisions(`${MANY_KEYS} keys (${MANY_KEYS} objects)`, await measure([manyKeys], { serverTiming: 'decide' }))

  printHeader(`2. the gateway, seed request, app limit ${BENCH_RATE_LIMITS[0]!.tokens}/${BENCH_RATE_LIMITS[0]!.period}s (never reached)`)
  const gateways = { gateway: 'leases (default)', 'gateway-per-call': 'one object call per request', 'gateway-unlimited': 'limiter off' }
  for (const [gateway, label] of Object.entries(gateways)) {
    await cluster.seedDemo(gateway, BENCH_RATE_LIMITS)
    const target = await cluster.seedRequest(gateway)
    await expectOk(target)
    const m = await measure([target], {}, () => (gateway === 'gateway-unlimited' ? Promise.resolve(0) : cluster.limiterCalls(gateway)))
    printRow(label, m)
    if (gateway !== 'gateway-unlimited') console.log(`${''.padEnd(36)} limiter object calls per admitted request: ${(m.counted / (m.statuses['200'] ?? 1)).toFixed(4)}`)
  }

  console.log(
    `\n3. exactness across isolates: ${EDGES} edge Workers (separate isolates) share one key limited to ` +
      `${EDGE_LIMIT.tokens}/${EDGE_LIMIT.period}s, overloaded for ${EDGE_SECONDS} s (${EDGE_CONNECTIONS} connections each)`,
  )
  const targets = await Promise.all(edges.map(async (edge) => ({ url: (await cluster.url(edge)).href })))
  const load = await runLoad({ targets, connections: EDGE_CONNECTIONS, warmupSeconds: 0, seconds: EDGE_SECONDS, admittedAtHeader: 'x-admitted-at' })
  const times = load.admittedAt
  const periodMs = EDGE_LIMIT.period * 1000
  const busiest = busiestWindow(times, periodMs)
  const first = Math.min(...times)
  const perPeriod = Array.from({ length: Math.ceil(EDGE_SECONDS / EDGE_LIMIT.period) }, (_, i) =>
    times.filter((t) => t >= first + i * periodMs && t < first + (i + 1) * periodMs),
  ).map((admitted) => admitted.length)
  console.log(`  ${load.requests} requests (${(load.requests / EDGE_SECONDS).toFixed(0)}/s), ${times.length} admitted`)
  console.log(`  admitted in each successive ${EDGE_LIMIT.period} s: ${perPeriod.join(', ')}`)
  console.log(`  the busiest interval of ${EDGE_LIMIT.period} s, anywhere: ${busiest} admitted (limit ${EDGE_LIMIT.tokens})`)
  if (busiest > EDGE_LIMIT.tokens || times.some((t) => !Number.isFinite(t))) {
    console.log('  FAILED: the limit was passed (or an admission came without its time)')
    process.exitCode = 1
  } else {
    console.log('  exact: no interval passed the limit')
  }
} finally {
  await cluster.close()
}
