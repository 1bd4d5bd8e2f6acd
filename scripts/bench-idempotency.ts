/**
 * `npm run bench:idempotency`: what an Idempotency-Key costs, on workerd, in one run. The gateway with
 * the seed request (a) without a key, (b) with a new key on every request (the key's object claims it,
 * then stores the outcome: two calls to it), and (c) repeating one key (a replay: one call, no
 * origin); ratios to (a). Figures only: nothing is asserted.
 */
import { BENCH_RATE_LIMITS, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { expectOk, measure, printHeader, printRow, printServerTiming } from './bench/load.ts'
import type { Measured } from './bench/load.ts'

const cluster = await startCluster([originWorker(), await gatewayWorker('gateway')])
try {
  await cluster.seedDemo('gateway', BENCH_RATE_LIMITS)
  const seed = await cluster.seedRequest('gateway')
  const newKeys = { ...seed, uniqueHeader: 'Idempotency-Key' }
  const oneKey = { ...seed, headers: { 'Idempotency-Key': 'bench-replayed' } }
  for (const target of [seed, oneKey]) await expectOk(target)

  printHeader('npm run bench:idempotency: POST operate_node (the seed request) → origin answering SOPS success')
  const withStore = (label: string, m: Measured) => {
    printRow(label, m)
    printServerTiming("key's object as the Worker sees it", m)
  }
  const ratio = (label: string, m: Measured, base: Measured) =>
    console.log(`${label.padEnd(36)} throughput ${(m.rps / base.rps).toFixed(2)}×, CPU ${(m.cpuUs / base.cpuUs).toFixed(2)}× of (a)`)
  const none = await measure([seed])
  printRow('(a) no key', none)
  const fresh = await measure([newKeys], { serverTiming: 'idempotency' })
  withStore('(b) a new key per request', fresh)
  const replayed = await measure([oneKey], { serverTiming: 'idempotency' })
  withStore('(c) one key, replayed', replayed)
  ratio('(b)/(a)', fresh, none)
  ratio('(c)/(a)', replayed, none)
} finally {
  await cluster.close()
}
