/**
 * The origin's connection refused or reset, on workerd through Miniflare (the Worker as the benchmarks
 * run it): a 502 that names the origin. Here rather than in the worker project, whose test runner
 * reports such connection failures on its own as uncaught, although the gateway catches them.
 */
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { BENCH_RATE_LIMITS, gatewayWorker, originWorker, startCluster } from '../../scripts/bench/cluster.ts'
import type { Cluster } from '../../scripts/bench/cluster.ts'

/** Accepts connections and drops them at once, before any answer. */
const resetting = createServer((socket) => socket.destroy())
let cluster: Cluster
let resetUrl: string

beforeAll(async () => {
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve))
  resetUrl = `http://127.0.0.1:${(resetting.address() as AddressInfo).port}/o/bk_sops/`
  cluster = await startCluster([
    originWorker(),
    await gatewayWorker('refused', { ORIGIN_URL: 'http://127.0.0.1:9/o/bk_sops/' }),
    await gatewayWorker('reset', { ORIGIN_URL: resetUrl }),
  ])
  for (const gateway of ['refused', 'reset']) await cluster.seedDemo(gateway, BENCH_RATE_LIMITS)
}, 60_000)

afterAll(async () => {
  await cluster?.close()
  resetting.close()
})

it.each([
  ['refused', 'http://127.0.0.1:9/o/bk_sops/'],
  ['reset', () => resetUrl],
])('a connection %s is a 502 naming the origin', async (gateway, origin) => {
  const { url, body } = await cluster.seedRequest(gateway)
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })
  expect(res.status).toBe(502)
  const envelope = (await res.json()) as { code_name: string; message: string }
  expect(envelope.code_name).toBe('BAD_GATEWAY')
  const name = typeof origin === 'string' ? origin : origin()
  expect(envelope.message).toMatch(new RegExp(`^Bad Gateway \\[upstream_error="cannot reach origin ${name.replaceAll('.', '\\.')}: .+"\\]$`))
})
