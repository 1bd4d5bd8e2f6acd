import { describe, expect, it } from 'vitest'
import { DEMO_TASKS } from '../../src/demo/index.ts'
import { evaluateCondition } from '../../src/expression.ts'
import type { Pipeline, PipelineNode } from '../../src/pipeline.ts'
import { parseWebTree } from '../../src/tree.ts'

function demo(taskId: number): Pipeline {
  const task = DEMO_TASKS.find((candidate) => candidate.taskId === taskId)
  if (!task) throw new Error(`no demo task ${taskId}`)
  const result = parseWebTree(task.tree)
  if (!result.ok) throw new Error(result.message)
  return result.pipeline
}

/** The node the start event leads to, then the one after it, and so on along single flows. */
function successor(pipeline: Pipeline, node: PipelineNode | undefined): PipelineNode | undefined {
  const flowId = node?.outgoing[0]
  const flow = flowId === undefined ? undefined : pipeline.flows[flowId]
  return flow && pipeline.nodes[flow.target]
}

describe('demo tasks', () => {
  it.each(DEMO_TASKS)('task $taskId ($name) is a valid tree in business $bizId', ({ tree, bizId }) => {
    expect(parseWebTree(tree)).toMatchObject({ ok: true })
    expect(bizId).toBe('2')
  })

  it('every task is started on creation but the one that demonstrates start', () => {
    expect(DEMO_TASKS.filter((task) => !task.start).map((task) => task.taskId)).toEqual([19])
  })

  it('task 12: start → node_id (fail_once) → a noop → end', () => {
    const pipeline = demo(12)
    const failing = successor(pipeline, pipeline.nodes[pipeline.startEventId])
    expect(failing).toMatchObject({ id: 'node_id', type: 'ServiceActivity', component: { code: 'fail_once' } })
    const next = successor(pipeline, failing)
    expect(next).toMatchObject({ type: 'ServiceActivity', component: { code: 'noop' } })
    expect(successor(pipeline, next)?.id).toBe(pipeline.endEventId)
  })

  it('task 13: an exclusive gateway where no condition holds and there is no default', () => {
    const pipeline = demo(13)
    const gateways = Object.values(pipeline.nodes).filter((node) => node.type === 'ExclusiveGateway')
    expect(gateways).toHaveLength(1)
    const [gateway] = gateways
    if (gateway?.type !== 'ExclusiveGateway') return
    expect(gateway.outgoing).toEqual(['flow_ok', 'flow_other'])
    expect(gateway.defaultFlowId).toBeUndefined()
    const vars = Object.fromEntries(Object.values(pipeline.constants).map((constant) => [constant.key, constant.value]))
    for (const condition of Object.values(gateway.conditions)) expect(evaluateCondition(condition, vars)).toBe(false)
  })

  it('task 14: a pause_node activity waits for a callback', () => {
    const pipeline = demo(14)
    expect(successor(pipeline, pipeline.nodes[pipeline.startEventId])).toMatchObject({
      type: 'ServiceActivity',
      component: { code: 'pause_node' },
    })
  })

  it('task 15: a subprocess whose first activity is a pause_node', () => {
    const pipeline = demo(15)
    const sub = successor(pipeline, pipeline.nodes[pipeline.startEventId])
    if (sub?.type !== 'SubProcess') throw new Error('the first node is not a SubProcess')
    expect(sub.pipeline.id).toBe(sub.id)
    expect(successor(sub.pipeline, sub.pipeline.nodes[sub.pipeline.startEventId])).toMatchObject({
      type: 'ServiceActivity',
      component: { code: 'pause_node' },
    })
  })

  it('task 17: a conditional parallel gateway where no condition holds, joined by a converge gateway', () => {
    const pipeline = demo(17)
    const gateway = successor(pipeline, pipeline.nodes[pipeline.startEventId])
    if (gateway?.type !== 'ConditionalParallelGateway') throw new Error('the first node is not a conditional parallel gateway')
    expect(gateway).toMatchObject({ id: 'fanout', outgoing: ['flow_web', 'flow_api'], convergeGatewayId: 'join' })
    expect(gateway.defaultFlowId).toBeUndefined()
    const vars = Object.fromEntries(Object.values(pipeline.constants).map((constant) => [constant.key, constant.value]))
    for (const condition of Object.values(gateway.conditions)) expect(evaluateCondition(condition, vars)).toBe(false)
  })

  it('task 18: a subprocess whose parameter refers to a fail_once variable of the task', () => {
    const pipeline = demo(18)
    const sub = successor(pipeline, pipeline.nodes[pipeline.startEventId])
    if (sub?.type !== 'SubProcess') throw new Error('the first node is not a SubProcess')
    expect(Object.values(sub.pipeline.constants)).toEqual([expect.objectContaining({ showType: 'show', value: '${release}' })])
    expect(pipeline.constants['${release}']).toMatchObject({ customType: 'fail_once' })
  })

  it('task ids are distinct', () => {
    const ids = DEMO_TASKS.map((task) => task.taskId)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
