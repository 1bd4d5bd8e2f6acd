/**
 * The issue's own case, end to end on the reference engine: retries of a failed node that all carry
 * one Idempotency-Key retry it once, where the same retries without a key each run it again.
 */
import { describe, expect, it } from 'vitest'
import { engineDriver } from '../../engine/test/engine/driver.ts'
import { findEntry } from '../../engine/test/engine/scenarios.ts'
import { single } from '../../engine/test/engine/trees.ts'
import { call, exemptApp, uniqueCode } from './helpers.ts'

const { headers } = await exemptApp({ rateLimits: [{ tokens: 1000, period: 1 }] }, uniqueCode('idem-engine'))
const engine = engineDriver()

const retry = (taskId: number, key?: string) =>
  call(`/api/bk-sops/prod/operate_node/2/${taskId}/`, {
    headers: { ...headers, ...(key ? { 'Idempotency-Key': key } : {}) },
    body: { node_id: 'a', action: 'retry' },
  })

async function retriesOf(taskId: number): Promise<number> {
  const status = await engine.taskStatus(taskId, '2')
  return findEntry(status.data, 'a')?.retry as number
}

describe('retrying a failed node through the gateway', () => {
  it('runs 20 concurrent retries with one key once', async () => {
    const taskId = await engine.createTask('2', single('a', 'fail'), { start: true })
    const answers = await Promise.all(Array.from({ length: 20 }, () => retry(taskId, `retry-${taskId}`)))
    const statuses = answers.map((res) => res.status)
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
    expect(await retriesOf(taskId)).toBe(1)
  })

  it('runs every retry without a key (the baseline)', async () => {
    const taskId = await engine.createTask('2', single('a', 'fail'), { start: true })
    for (let i = 0; i < 3; i++) expect((await retry(taskId)).status).toBe(200)
    expect(await retriesOf(taskId)).toBe(3)
  })
})
