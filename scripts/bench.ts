/**
 * `npm run bench`: requests/s and p50/p99 latency of (a) a bare Hono Worker that only proxies to the
 * origin and (b) the full gateway pipeline in front of the same origin, both on workerd, with the
 * seed document's example request; and their ratio. Figures only: nothing is asserted.
 */
import { BENCH_RATE_LIMITS, benchWorker, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { expectOk, measure, printHeader, printRatio, printRow } from './bench/load.ts'

const cluster = await startCluster([
  originWorker(),
  await gatewayWorker('gateway'),
  await benchWorker('bare', 'bare-proxy.ts', { serviceBindings: { ORIGIN: 'origin' } }),
])
try {
  await cluster.seedDemo('gateway', BENCH_RATE_LIMITS)
  const bareTarget = await cluster.seedRequest('bare')
  const gatewayTarget = await cluster.seedRequest('gateway')
  await expectOk(bareTarget)
  await expectOk(gatewayTarget)

  printHeader('npm run bench: POST operate_node (the seed request) → origin answering SOPS success')
  const bare = await measure(bareTarget)
  printRow('(a) bare Hono proxy', bare)
  const gateway = await measure(gatewayTarget)
  printRow('(b) full gateway pipeline', gateway)
  printRatio('(b)/(a)', gateway, bare)
} finally {
  await cluster.close()
}
