/**
 * The limiter across real isolates: three edge Workers (separate scripts on one workerd, hence
 * separate isolates, each with its own leases and deny-cache; scripts/bench/workers/edge.ts) share
 * one key's limiter object and are overloaded from here. No interval of one period may admit more
 * than the limit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { edgeWorker, gatewayWorker, originWorker, startCluster } from '../../scripts/bench/cluster.ts'
import type { Cluster } from '../../scripts/bench/cluster.ts'
import { busiestWindow } from '../../scripts/bench/stats.ts'

const LIMIT = { tokens: 100, period: 1 }
const EDGES = ['edge-1', 'edge-2', 'edge-3']
const CLIENTS_PER_EDGE = 6
const SECONDS = 3

let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster([originWorker(), await gatewayWorker('gateway'), ...(await Promise.all(EDGES.map((edge) => edgeWorker(edge, LIMIT))))])
})

afterAll(() => cluster?.close())

it('admits no more than the limit in any interval, with several isolates sharing one key', async () => {
  const admitted: number[] = []
  const tiers: Record<string, number> = {}
  const until = Date.now() + SECONDS * 1000
  const client = async (url: URL) => {
    while (Date.now() < until) {
      const res = await fetch(url)
      await res.arrayBuffer()
      const tier = res.status === 200 ? (res.headers.get('X-Tier') ?? 'none') : String(res.status)
      tiers[tier] = (tiers[tier] ?? 0) + 1
      if (res.status === 200) admitted.push(Number(res.headers.get('X-Admitted-At')))
    }
  }
  const urls = await Promise.all(EDGES.map((edge) => cluster.url(edge)))
  await Promise.all(urls.flatMap((url) => Array.from({ length: CLIENTS_PER_EDGE }, () => client(url))))

  expect(admitted.every(Number.isFinite)).toBe(true)
  expect(tiers['429'], JSON.stringify(tiers)).toBeGreaterThan(0) // overloaded
  expect(tiers.lease, JSON.stringify(tiers)).toBeGreaterThan(0) // leases were used
  expect(busiestWindow(admitted, LIMIT.period * 1000)).toBeLessThanOrEqual(LIMIT.tokens)
  // And not far below: every second of the run admitted most of the limit.
  expect(admitted.length).toBeGreaterThanOrEqual(0.8 * LIMIT.tokens * SECONDS)
})
