/**
 * `npm run bench`: requests/s and p50/p99 latency of (a) a bare Hono Worker that only proxies to the
 * origin and (b) the full gateway pipeline in front of the same origin, both on workerd, with the
 * seed document's example request; and their ratio. Figures only: nothing is asserted.
 */
import { BENCH_RATE_LIMITS, SEED_REQUEST, benchWorker, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { expectOk, measure, printHeader, printRow } from './bench/load.ts'

const cluster = await startCluster([
  originWorker(),
  await gatewayWorker('gateway'),
  await benchWorker('bare', 'bare-proxy.ts', { serviceBindings: { ORIGIN: 'origin' } }),
])
try {
  await cluster.seedDemo('gateway', BENCH_RATE_LIMITS)
  const request = (worker: string) =>
    cluster.url(worker).then((base) => ({ url: new URL(SEED_REQUEST.path, base), method: 'POST' as const, body: SEED_REQUEST.body }))
  const bareTarget = await request('bare')
  const gatewayTarget = await request('gateway')
  await expectOk(bareTarget)
  await expectOk(gatewayTarget)

  printHeader('npm run bench: POST operate_node (the seed request) → origin answering SOPS success')
  const bare = await measure(bareTarget)
  printRow('(a) bare Hono proxy', bare)
  const gateway = await measure(gatewayTarget)
  printRow('(b) full gateway pipeline', gateway)
  console.log(
    `\nratio (b)/(a): throughput ${(gateway.rps / bare.rps).toFixed(2)}×, ` +
      `p50 latency ${(gateway.p50 / bare.p50).toFixed(2)}×, p99 latency ${(gateway.p99 / bare.p99).toFixed(2)}×`,
  )
} finally {
  await cluster.close()
}
