/** The demo seed: the seed document's request (skip on task 12's `node_id`, business 2) succeeds. */
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { serveEngine } from '../../src/index.ts'
import { resetDemoTasks, seedDemoTasks } from '../../src/seed.ts'
import { ENGINE_BASE, engineDriver, signJwt } from './driver.ts'
import { findEntry } from './scenarios.ts'
import { single } from './trees.ts'

const d = engineDriver()

describe('demo seed', () => {
  it('seeds before the first request when ENGINE_DEMO_SEED is "true"', async () => {
    const request = new Request(`${ENGINE_BASE}apigw/get_task_status/12/2/`, { headers: { 'X-Bkapi-Jwt': await signJwt() } })
    const res = await serveEngine(request, { ...env, ENGINE_DEMO_SEED: 'true' })
    const status = (await res.json()) as { data: unknown }
    expect(findEntry(status.data, 'node_id')).toMatchObject({ state: 'FAILED', retry: 0 })
  })

  it('is idempotent and leaves each demo node in the state its action needs', async () => {
    await seedDemoTasks(env)
    expect(findEntry((await d.taskStatus(12, '2')).data, 'node_id')).toMatchObject({ state: 'FAILED', retry: 0 })
    expect(findEntry((await d.taskStatus(13, '2')).data, 'choose')?.state).toBe('FAILED')
    expect(findEntry((await d.taskStatus(14, '2')).data, 'approve')?.state).toBe('RUNNING')
    expect(findEntry((await d.taskStatus(15, '2')).data, 'rollout')?.state).toBe('RUNNING')
    expect(findEntry((await d.taskStatus(16, '2')).data, 'build')).toMatchObject({ state: 'FAILED', retry: 0 })
    expect(findEntry((await d.taskStatus(17, '2')).data, 'fanout')?.state).toBe('FAILED')
    expect(findEntry((await d.taskStatus(18, '2')).data, 'migrate')).toMatchObject({ state: 'FAILED', children: {} })
    expect((await d.taskStatus(19, '2')).data.state).toBe('CREATED')
    const registry = env.ENGINE_REGISTRY.get(env.ENGINE_REGISTRY.idFromName('registry'))
    expect(await registry.findProject('2', 'cmdb_biz')).toMatchObject({ id: 1, bizId: '2' })
  })

  it("the seed document's request: skip on task 12, node node_id, business 2", async () => {
    expect(await d.operateNode('2', 12, { node_id: 'node_id', action: 'skip' })).toEqual({
      result: true, code: 0, message: 'success', trace_id: expect.any(String),
    })
    const status = (await d.taskStatus(12, '2')).data
    expect(findEntry(status, 'node_id')).toMatchObject({ state: 'FINISHED', skip: true })
    expect(status.state).toBe('FINISHED')
  })

  it('reset puts every demo task back as seeded, and leaves other tasks alone', async () => {
    await seedDemoTasks(env)
    const mine = await d.createTask('2', single('a', 'noop'), { start: true })
    await d.operateNode('2', 12, { node_id: 'node_id', action: 'skip' })
    await d.operateNode('2', 14, { node_id: 'approve', action: 'callback' })
    await d.operateTask(19, '2', { action: 'start' })
    await resetDemoTasks(env)
    expect(findEntry((await d.taskStatus(12, '2')).data, 'node_id')).toMatchObject({ state: 'FAILED', retry: 0, skip: false })
    expect(findEntry((await d.taskStatus(14, '2')).data, 'approve')?.state).toBe('RUNNING')
    expect((await d.taskStatus(19, '2')).data.state).toBe('CREATED')
    expect((await d.taskStatus(mine, '2')).data.state).toBe('FINISHED')
    // The seeded task takes its callback again: its schedule is new, not the one that was used.
    expect(await d.operateNode('2', 14, { node_id: 'approve', action: 'callback' })).toMatchObject({ result: true })
  })

  it('the Engine entrypoint resets the demo over RPC only where the demo is enabled', async () => {
    await d.operateNode('2', 12, { node_id: 'node_id', action: 'skip' })
    expect(await exports.default.resetDemo()).toBe(false)
    expect(findEntry((await d.taskStatus(12, '2')).data, 'node_id')?.state).toBe('FINISHED')
  })
})
