/**
 * `npm run bench:ratelimit`: limiter decisions per second and their latency, for one hot key and for
 * many keys, and the gateway's throughput with the limiter on versus off, all on workerd in one run.
 * Figures only: nothing is asserted.
 */
import { BENCH_RATE_LIMITS, benchWorker, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { expectOk, measure, percentile, printHeader, printRatio, printRow } from './bench/load.ts'
import type { Measured } from './bench/load.ts'

/** Enough objects to spread the load; each is created before the measurement, which creation would dominate. */
const MANY_KEYS = 100

const cluster = await startCluster([
  originWorker(),
  await gatewayWorker('gateway'),
  await gatewayWorker('gateway-unlimited', { RATE_LIMIT_ENABLED: 'false' }),
  // Decisions of the gateway's own RateLimiter objects, one RPC per request.
  await benchWorker('limiter', 'limiter-worker.ts', {
    durableObjects: { RATE_LIMITER: { className: 'RateLimiter', scriptName: 'gateway' } },
  }),
])
try {
  const limiter = await cluster.url('limiter')
  const oneKey = { url: new URL('/?key=one', limiter) }
  const manyKeys = { url: limiter, path: () => `/?key=k${Math.floor(Math.random() * MANY_KEYS)}` }
  await expectOk(oneKey)
  for (let k = 0; k < MANY_KEYS; k++) await expectOk({ url: new URL(`/?key=k${k}`, limiter) })

  printHeader('npm run bench:ratelimit: limiter decisions (admitted, two windows, one RPC per request)')
  const decisions = (label: string, m: Measured) => {
    printRow(label, m)
    console.log(`${''.padEnd(40)} RPC as the Worker sees it: p50 ${percentile(m.serverTiming, 0.5).toFixed(2)} ms, p99 ${percentile(m.serverTiming, 0.99).toFixed(2)} ms`)
  }
  decisions('one key (one object)', await measure(oneKey, 'decide'))
  decisions(`${MANY_KEYS} keys (${MANY_KEYS} objects)`, await measure(manyKeys, 'decide'))

  for (const gateway of ['gateway', 'gateway-unlimited']) await cluster.seedDemo(gateway, BENCH_RATE_LIMITS)
  const limited = await cluster.seedRequest('gateway')
  const unlimited = await cluster.seedRequest('gateway-unlimited')
  await expectOk(limited)
  await expectOk(unlimited)

  printHeader('gateway, seed request, limiter on (app limit 120000/60s: 4 shards) versus off')
  const off = await measure(unlimited)
  printRow('limiter off (RATE_LIMIT_ENABLED=false)', off)
  const on = await measure(limited)
  printRow('limiter on', on)
  printRatio('on/off', on, off)
} finally {
  await cluster.close()
}
