/** What the task objects keep across alarms and evictions: sleep_timer polls, waits and joins. */
import { env } from 'cloudflare:workers'
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { engineDriver } from './driver.ts'
import { findEntry } from './scenarios.ts'
import { activity, converge, end, parallel, single, start, webTree } from './trees.ts'

const d = engineDriver()
const BIZ = '2'
const taskObject = (taskId: number) => env.ENGINE_TASKS.get(env.ENGINE_TASKS.idFromName(String(taskId)))
const nodeState = async (taskId: number, nodeId: string) => findEntry((await d.taskStatus(taskId, BIZ)).data, nodeId)?.state
const scheduledAlarm = (taskId: number) => runInDurableObject(taskObject(taskId), (_, state) => state.storage.getAlarm())

describe('sleep_timer', () => {
  it('waits: an alarm before its time polls and sets the next alarm', async () => {
    const taskId = await d.createTask(BIZ, single('sleep', 'sleep_timer', { bk_timing: 3600 }), { start: true })
    expect(await nodeState(taskId, 'sleep')).toBe('RUNNING')
    expect(await scheduledAlarm(taskId)).toBeGreaterThan(Date.now())
    expect(await runDurableObjectAlarm(taskObject(taskId))).toBe(true)
    expect(await nodeState(taskId, 'sleep')).toBe('RUNNING')
    expect(await scheduledAlarm(taskId)).not.toBeNull()
  })

  it('finishes through the alarm once its time has come, and the flow goes on', async () => {
    const taskId = await d.createTask(BIZ, single('sleep', 'sleep_timer', { bk_timing: '0' }), { start: true })
    // Runs the due poll, unless workerd already fired the alarm on its own.
    await runDurableObjectAlarm(taskObject(taskId))
    const status = (await d.taskStatus(taskId, BIZ)).data
    expect(status.state).toBe('FINISHED')
    expect(findEntry(status, 'sleep').state).toBe('FINISHED')
    expect(await scheduledAlarm(taskId)).toBeNull()
  })

  it('fails on a bk_timing that is not a number of seconds', async () => {
    const taskId = await d.createTask(BIZ, single('sleep', 'sleep_timer', { bk_timing: 'soon' }), { start: true })
    const status = (await d.taskStatus(taskId, BIZ, { with_ex_data: '1' })).data
    expect(status.ex_data).toEqual({ sleep: 'bk_timing must be a number of seconds >= 0, got "soon"' })
  })
})

describe('eviction', () => {
  it('a node waiting for its callback survives eviction', async () => {
    const taskId = await d.createTask(BIZ, single('wait', 'pause_node'), { start: true })
    await evictDurableObject(taskObject(taskId))
    expect(await d.operateNode(BIZ, taskId, { node_id: 'wait', action: 'callback', data: {} })).toMatchObject({ result: true })
    expect((await d.taskStatus(taskId, BIZ)).data.state).toBe('FINISHED')
  })

  it('a parallel join half done survives eviction', async () => {
    const tree = webTree(
      [start(), parallel('p'), activity('a', 'pause_node'), activity('b', 'pause_node'), converge('j'), end()],
      [['start', 'p'], ['p', 'a'], ['p', 'b'], ['a', 'j'], ['b', 'j'], ['j', 'end']],
    )
    const taskId = await d.createTask(BIZ, tree, { start: true })
    await d.operateNode(BIZ, taskId, { node_id: 'a', action: 'callback' })
    await evictDurableObject(taskObject(taskId))
    expect(await nodeState(taskId, 'j')).toBeUndefined()
    await d.operateNode(BIZ, taskId, { node_id: 'b', action: 'callback' })
    expect(await nodeState(taskId, 'j')).toBe('FINISHED')
    expect((await d.taskStatus(taskId, BIZ)).data.state).toBe('FINISHED')
  })
})

describe('histories', () => {
  it('keep each replaced attempt with its operator', async () => {
    const taskId = await d.createTask(BIZ, single('a', 'fail'), { start: true })
    await d.operateNode(BIZ, taskId, { node_id: 'a', action: 'retry' })
    await d.operateNode(BIZ, taskId, { node_id: 'a', action: 'skip' })
    const rows = await runInDurableObject(taskObject(taskId), (_, state) =>
      state.storage.sql.exec('SELECT node_id, retry, skip, loop, operator, outputs FROM histories ORDER BY id').toArray(),
    )
    expect(rows).toEqual([
      expect.objectContaining({ node_id: 'a', retry: 0, skip: 0, loop: 1, operator: 'admin' }),
      expect.objectContaining({ node_id: 'a', retry: 1, skip: 0, loop: 1, operator: 'admin' }),
    ])
    expect(JSON.parse(String(rows[0]?.outputs))).toMatchObject({ ex_data: 'the fail component always fails', _result: false })
  })
})
