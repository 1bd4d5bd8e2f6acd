/**
 * The conformance table: one row per (command × node type × state) that engine-reference §3, §4 and §9
 * define, each with its exact answer and the node's state afterwards; then the task views' refusals, as
 * bk-sops's gcloud/apigw/views answer them.
 */
import { describe, expect, it } from 'vitest'
import { engineDriver, engineFetch, type Envelope } from './driver.ts'
import { findEntry } from './scenarios.ts'
import { activity, chain, conditional, converge, end, exclusive, parallel, start, subprocess, webTree } from './trees.ts'

const BIZ = '2'
const ROOT = 'proot'
const d = engineDriver()

const withRoot = (tree: Record<string, unknown>) => ({ ...tree, id: ROOT })
const started = (tree: Record<string, unknown>) => () => d.createTask(BIZ, withRoot(tree), { start: true })

const fixtures = {
  /** a FAILED. */
  failedActivity: started(webTree([start(), activity('a', 'fail'), end()], chain('start', 'a', 'end'))),
  /** a FAILED, neither retryable nor skippable. */
  lockedActivity: started(
    webTree([start(), activity('a', 'fail', {}, { retryable: false, skippable: false }), end()], chain('start', 'a', 'end')),
  ),
  /** f FINISHED, w RUNNING (waiting for its callback), n not reached. */
  waiting: started(
    webTree([start(), activity('f', 'noop'), activity('w', 'pause_node'), activity('n', 'noop'), end()], chain('start', 'f', 'w', 'n', 'end')),
  ),
  /** g FAILED: no condition holds, no default. */
  failedGateway: started(
    webTree(
      [start(), exclusive('g', { b: '${x} > 10', c: '${x} < 0' }), activity('b', 'noop'), activity('c', 'noop'), converge('j'), end()],
      [['start', 'g'], ['g', 'b'], ['g', 'c'], ['b', 'j'], ['c', 'j'], ['j', 'end']],
      { constants: { x: 5 } },
    ),
  ),
  /** g, a conditional parallel gateway, FAILED. */
  failedConditional: started(
    webTree(
      [start(), conditional('g', { b: '${x} > 10', c: '${x} < 0' }), activity('b', 'noop'), activity('c', 'noop'), converge('j'), end()],
      [['start', 'g'], ['g', 'b'], ['g', 'c'], ['b', 'j'], ['c', 'j'], ['j', 'end']],
      { constants: { x: 5 } },
    ),
  ),
  /** sp RUNNING, its node w2 waiting. */
  runningSubprocess: started(
    webTree(
      [start(), subprocess('sp', webTree([start('s2'), activity('w2', 'pause_node'), end('e2')], chain('s2', 'w2', 'e2'))), end()],
      chain('start', 'sp', 'end'),
    ),
  ),
  /** sp FAILED: entering it, its parameter `${version}` could not be resolved (a lazy variable on its first attempt). */
  failedSubprocess: started(
    webTree(
      [start(), subprocess('sp', webTree([start('s2'), activity('a2', 'noop'), end('e2')], chain('s2', 'a2', 'e2'), { constants: { version: '${release}' } })), end()],
      chain('start', 'sp', 'end'),
      { lazy: { release: { type: 'fail_once', value: '1.0.0' } } },
    ),
  ),
  /** p FINISHED with its branches out (a FAILED, b waiting). */
  parallelRunning: started(
    webTree(
      [start(), parallel('p'), activity('a', 'fail'), activity('b', 'pause_node'), converge('j'), end()],
      [['start', 'p'], ['p', 'a'], ['p', 'b'], ['a', 'j'], ['b', 'j'], ['j', 'end']],
    ),
  ),
  /** Created, never started. */
  notStarted: () => d.createTask(BIZ, withRoot(webTree([start(), activity('a', 'noop'), end()], chain('start', 'a', 'end')))),
}

type Expected = { success: true } | { last: string } | { message: string; code: number }

interface Row {
  command: string
  target: string
  fixture: keyof typeof fixtures
  node: string
  body?: Record<string, unknown>
  /** Node commands that put the node in the state the row is about. */
  before?: Array<Record<string, unknown>>
  expected: Expected
  /** The node's state afterwards; undefined when it has no entry in the status tree. */
  after: string | undefined
}

const invalid = (text: string): Expected => ({ last: `bamboo_engine.exceptions.InvalidOperationError: ${text}` })
const transit = (id: string, from: string, to: string): Expected => ({ last: `RuntimeError: can't not transit node(${id}) state from ${from} to ${to}` })
const noState: Expected = { last: 'pipeline.eri.models.State.DoesNotExist: State matching query does not exist.' }
const sopsDispatchFailure = (node: string, error: string) =>
  `节点操作失败: 节点[ID: ${node}], 任务[ID: <task>]操作失败: ${error}, 请重试. 如持续失败可联系管理员处理 | nodes_action`

const rows: Row[] = [
  // retry
  { command: 'retry', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', expected: { success: true }, after: 'FAILED' },
  { command: 'retry', target: 'ServiceActivity RUNNING', fixture: 'waiting', node: 'w', expected: invalid('w state is not FAILED, actual RUNNING'), after: 'RUNNING' },
  { command: 'retry', target: 'ServiceActivity FINISHED', fixture: 'waiting', node: 'f', expected: invalid('f state is not FAILED, actual FINISHED'), after: 'FINISHED' },
  { command: 'retry', target: 'ServiceActivity not reached', fixture: 'waiting', node: 'n', expected: noState, after: undefined },
  { command: 'retry', target: 'ServiceActivity not retryable, FAILED', fixture: 'lockedActivity', node: 'a', expected: invalid('can not retry node(a) with can_retry(False)'), after: 'FAILED' },
  { command: 'retry', target: 'ServiceActivity READY (resumed while FAILED)', fixture: 'failedActivity', node: 'a', before: [{ action: 'resume' }], expected: invalid('a state is not FAILED, actual READY'), after: 'READY' },
  { command: 'retry', target: 'ExclusiveGateway FAILED', fixture: 'failedGateway', node: 'g', expected: { success: true }, after: 'FAILED' },
  { command: 'retry', target: 'SubProcess FAILED (every type but an activity is retryable)', fixture: 'failedSubprocess', node: 'sp', expected: { success: true }, after: 'FINISHED' },
  { command: 'retry', target: 'ServiceActivity in a subprocess, FAILED by forced_fail', fixture: 'runningSubprocess', node: 'w2', before: [{ action: 'forced_fail' }], expected: { success: true }, after: 'RUNNING' },
  { command: 'retry', target: 'node of a task not started', fixture: 'notStarted', node: 'a', expected: { last: 'pipeline.eri.models.Node.DoesNotExist: Node matching query does not exist.' }, after: undefined },
  // skip
  { command: 'skip', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', expected: { success: true }, after: 'FINISHED' },
  { command: 'skip', target: 'ServiceActivity in a subprocess, FAILED by forced_fail', fixture: 'runningSubprocess', node: 'w2', before: [{ action: 'forced_fail' }], expected: { success: true }, after: 'FINISHED' },
  { command: 'skip', target: 'ServiceActivity not skippable, FAILED', fixture: 'lockedActivity', node: 'a', expected: invalid('can not skip this node'), after: 'FAILED' },
  { command: 'skip', target: 'ServiceActivity RUNNING', fixture: 'waiting', node: 'w', expected: invalid('w state is not FAILED, actual RUNNING'), after: 'RUNNING' },
  { command: 'skip', target: 'EmptyStartEvent FINISHED', fixture: 'waiting', node: 'start', expected: invalid('start state is not FAILED, actual FINISHED'), after: 'FINISHED' },
  { command: 'skip', target: 'ExclusiveGateway FAILED', fixture: 'failedGateway', node: 'g', expected: invalid('can not use skip_node api for NodeType.ExclusiveGateway'), after: 'FAILED' },
  { command: 'skip', target: 'ParallelGateway FINISHED', fixture: 'parallelRunning', node: 'p', expected: invalid('can not skip this node'), after: 'FINISHED' },
  { command: 'skip', target: 'SubProcess RUNNING', fixture: 'runningSubprocess', node: 'sp', expected: invalid('can not skip this node'), after: 'RUNNING' },
  { command: 'skip', target: 'SubProcess FAILED', fixture: 'failedSubprocess', node: 'sp', expected: invalid('can not skip this node'), after: 'FAILED' },
  // skip_exg
  { command: 'skip_exg', target: 'ExclusiveGateway FAILED', fixture: 'failedGateway', node: 'g', body: { flow_id: 'f_g_b' }, expected: { success: true }, after: 'FINISHED' },
  { command: 'skip_exg', target: 'ExclusiveGateway FAILED, unknown flow', fixture: 'failedGateway', node: 'g', body: { flow_id: 'nope' }, expected: { last: "KeyError: 'nope'" }, after: 'FAILED' },
  { command: 'skip_exg', target: 'ExclusiveGateway FAILED, no flow', fixture: 'failedGateway', node: 'g', expected: { last: "KeyError: ''" }, after: 'FAILED' },
  { command: 'skip_exg', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', body: { flow_id: 'f_a_end' }, expected: invalid('a is not exclusive gateway, actual: ServiceActivity'), after: 'FAILED' },
  // skip_cpg
  { command: 'skip_cpg', target: 'ConditionalParallelGateway FAILED', fixture: 'failedConditional', node: 'g', body: { flow_ids: ['f_g_b', 'f_g_c'], converge_gateway_id: 'j' }, expected: { success: true }, after: 'FINISHED' },
  { command: 'skip_cpg', target: 'ConditionalParallelGateway FAILED, unknown flow', fixture: 'failedConditional', node: 'g', body: { flow_ids: ['nope'], converge_gateway_id: 'j' }, expected: { last: "KeyError: 'nope'" }, after: 'FAILED' },
  { command: 'skip_cpg', target: 'ConditionalParallelGateway FAILED, no flow_ids', fixture: 'failedConditional', node: 'g', expected: { message: sopsDispatchFailure('g', "'flow_ids'"), code: 3599999 }, after: 'FAILED' },
  { command: 'skip_cpg', target: 'ExclusiveGateway FAILED', fixture: 'failedGateway', node: 'g', body: { flow_ids: ['f_g_b'], converge_gateway_id: 'j' }, expected: invalid('g is not conditional parallel gateway, actual: ExclusiveGateway'), after: 'FAILED' },
  { command: 'skip_cpg', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', body: { flow_ids: [], converge_gateway_id: 'j' }, expected: invalid('a is not conditional parallel gateway, actual: ServiceActivity'), after: 'FAILED' },
  // pause (appointment)
  { command: 'pause', target: 'ServiceActivity not reached', fixture: 'waiting', node: 'n', expected: { success: true }, after: undefined },
  { command: 'pause', target: 'ServiceActivity RUNNING', fixture: 'waiting', node: 'w', expected: { success: true }, after: 'SUSPENDED' },
  { command: 'pause', target: 'ServiceActivity FINISHED', fixture: 'waiting', node: 'f', expected: transit('f', 'FINISHED', 'SUSPENDED'), after: 'FINISHED' },
  { command: 'pause', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', expected: transit('a', 'FAILED', 'SUSPENDED'), after: 'FAILED' },
  { command: 'pause', target: 'SubProcess RUNNING', fixture: 'runningSubprocess', node: 'sp', expected: invalid('can not use pause_node_appoint api for NodeType.SubProcess'), after: 'RUNNING' },
  // resume (appointment)
  { command: 'resume', target: 'ServiceActivity SUSPENDED, reached', fixture: 'waiting', node: 'n', before: [{ node_id: 'n', action: 'pause' }, { node_id: 'w', action: 'callback' }], expected: { success: true }, after: 'FINISHED' },
  { command: 'resume', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', expected: { success: true }, after: 'READY' },
  { command: 'resume', target: 'ServiceActivity RUNNING', fixture: 'waiting', node: 'w', expected: transit('w', 'RUNNING', 'READY'), after: 'RUNNING' },
  { command: 'resume', target: 'ServiceActivity FINISHED', fixture: 'waiting', node: 'f', expected: transit('f', 'FINISHED', 'READY'), after: 'FINISHED' },
  { command: 'resume', target: 'SubProcess RUNNING', fixture: 'runningSubprocess', node: 'sp', expected: invalid('can not use pause_node_appoint api for NodeType.SubProcess'), after: 'RUNNING' },
  // pause_subproc
  { command: 'pause_subproc', target: 'SubProcess RUNNING', fixture: 'runningSubprocess', node: 'sp', expected: { success: true }, after: 'SUSPENDED' },
  { command: 'pause_subproc', target: 'SubProcess SUSPENDED', fixture: 'runningSubprocess', node: 'sp', before: [{ action: 'pause_subproc' }], expected: transit('sp', 'SUSPENDED', 'SUSPENDED'), after: 'SUSPENDED' },
  { command: 'pause_subproc', target: 'ServiceActivity RUNNING (type not checked)', fixture: 'waiting', node: 'w', expected: { success: true }, after: 'SUSPENDED' },
  { command: 'pause_subproc', target: 'ServiceActivity FINISHED', fixture: 'waiting', node: 'f', expected: transit('f', 'FINISHED', 'SUSPENDED'), after: 'FINISHED' },
  { command: 'pause_subproc', target: 'node not reached', fixture: 'waiting', node: 'n', expected: { last: 'bamboo_engine.exceptions.NotFoundError: node(n) does not exist' }, after: undefined },
  // resume_subproc
  { command: 'resume_subproc', target: 'SubProcess SUSPENDED', fixture: 'runningSubprocess', node: 'sp', before: [{ action: 'pause_subproc' }], expected: { success: true }, after: 'RUNNING' },
  { command: 'resume_subproc', target: 'SubProcess RUNNING', fixture: 'runningSubprocess', node: 'sp', expected: invalid('pipeline(sp) state is: RUNNING'), after: 'RUNNING' },
  { command: 'resume_subproc', target: 'node not reached', fixture: 'waiting', node: 'n', expected: noState, after: undefined },
  // forced_fail
  { command: 'forced_fail', target: 'ServiceActivity RUNNING', fixture: 'waiting', node: 'w', expected: { success: true }, after: 'FAILED' },
  { command: 'forced_fail', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', expected: invalid('a state is not RUNNING, actual: FAILED'), after: 'FAILED' },
  { command: 'forced_fail', target: 'ServiceActivity not reached', fixture: 'waiting', node: 'n', expected: noState, after: undefined },
  { command: 'forced_fail', target: 'SubProcess RUNNING', fixture: 'runningSubprocess', node: 'sp', expected: invalid('sp is not activity, actual: SubProcess'), after: 'RUNNING' },
  { command: 'forced_fail', target: 'ExclusiveGateway FAILED', fixture: 'failedGateway', node: 'g', expected: invalid('g is not activity, actual: ExclusiveGateway'), after: 'FAILED' },
  // retry_subprocess
  { command: 'retry_subprocess', target: 'SubProcess RUNNING', fixture: 'runningSubprocess', node: 'sp', expected: invalid('sp state is not FAILED, actual RUNNING'), after: 'RUNNING' },
  { command: 'retry_subprocess', target: 'SubProcess FAILED (entering it failed)', fixture: 'failedSubprocess', node: 'sp', expected: { success: true }, after: 'FINISHED' },
  // A child's failure leaves its SubProcess RUNNING in the engine; get_task_status only shows it FAILED.
  { command: 'retry_subprocess', target: 'SubProcess RUNNING, its child FAILED by forced_fail (shown FAILED)', fixture: 'runningSubprocess', node: 'sp', before: [{ node_id: 'w2', action: 'forced_fail' }], expected: invalid('sp state is not FAILED, actual RUNNING'), after: 'FAILED' },
  { command: 'retry_subprocess', target: 'ServiceActivity FAILED', fixture: 'failedActivity', node: 'a', expected: invalid('node(a) type is not SubProcess'), after: 'FAILED' },
  // callback
  { command: 'callback', target: 'ServiceActivity RUNNING, waiting', fixture: 'waiting', node: 'w', body: { data: { ok: 1 } }, expected: { success: true }, after: 'FINISHED' },
  { command: 'callback', target: 'ServiceActivity waiting in a subprocess', fixture: 'runningSubprocess', node: 'w2', expected: { success: true }, after: 'FINISHED' },
  { command: 'callback', target: 'ServiceActivity FINISHED', fixture: 'waiting', node: 'f', expected: invalid('can not find sleep process with current node id: f'), after: 'FINISHED' },
  { command: 'callback', target: 'ServiceActivity FAILED (no schedule)', fixture: 'failedActivity', node: 'a', expected: { last: 'pipeline.eri.models.Schedule.DoesNotExist: Schedule matching query does not exist.' }, after: 'FAILED' },
  { command: 'callback', target: 'ServiceActivity not reached, no version', fixture: 'waiting', node: 'n', expected: { message: '数据不存在错误: 数据不存在错误, 错误内容 State matching query does not exist. | process_exception', code: 3540400 }, after: undefined },
  { command: 'callback', target: 'ServiceActivity SUSPENDED while waiting', fixture: 'waiting', node: 'w', before: [{ action: 'pause' }], expected: { success: true }, after: 'SUSPENDED' },
  { command: 'callback', target: 'ServiceActivity READY, schedule expired', fixture: 'waiting', node: 'w', before: [{ action: 'pause' }, { action: 'callback' }, { action: 'resume' }], expected: invalid('schedule is already expired'), after: 'READY' },
  { command: 'callback', target: 'node of a task not started', fixture: 'notStarted', node: 'a', expected: { message: '数据不存在错误: 数据不存在错误, 错误内容 State matching query does not exist. | process_exception', code: 3540400 }, after: undefined },
  // routing in SOPS (operate_node masks the codes as 3599999)
  { command: 'retry', target: 'a node the task does not have', fixture: 'failedActivity', node: 'ghost', expected: { message: '节点状态请求失败: 任务[ID: <task>]中未找到节点[ID: ghost]. 请重试. 如持续失败可联系管理员处理 | nodes_action', code: 3599999 }, after: undefined },
  { command: 'jump', target: 'ServiceActivity FAILED (unknown command)', fixture: 'failedActivity', node: 'a', expected: { message: 'task command is invalid', code: 3599999 }, after: 'FAILED' },
]

const operate = (taskId: number, nodeId: string, body: Record<string, unknown>) => d.operateNode(BIZ, taskId, { node_id: nodeId, ...body })

async function stateAfter(taskId: number, nodeId: string): Promise<string | undefined> {
  return findEntry((await d.taskStatus(taskId, BIZ)).data, nodeId)?.state
}

function expectAnswer(answer: Envelope, expected: Expected, taskId: number): void {
  if ('success' in expected) {
    expect(answer).toEqual({ result: true, code: 0, message: 'success', trace_id: expect.any(String) })
  } else if ('last' in expected) {
    expect(answer).toMatchObject({ result: false, code: 3599999 })
    expect(answer.message).toMatch(/^fail: Traceback \(most recent call last\):\n/)
    expect(answer.message.trimEnd().split('\n').at(-1)).toBe(expected.last)
  } else {
    expect(answer).toMatchObject({ result: false, code: expected.code, message: expected.message.replace('<task>', String(taskId)) })
  }
}

describe('operate_node conformance', () => {
  it.each(rows.map((row) => [`${row.command} on ${row.target}`, row] as const))('%s', async (_, row) => {
    const taskId = await fixtures[row.fixture]()
    for (const step of row.before ?? []) expect((await operate(taskId, row.node, step)).result).toBe(true)
    expectAnswer(await operate(taskId, row.node, { action: row.command, ...row.body }), row.expected, taskId)
    expect(await stateAfter(taskId, row.node)).toBe(row.after)
  })

  it('retry counts the attempt and skip marks the node; both refresh the version', async () => {
    const taskId = await fixtures.failedActivity()
    const before = findEntry((await d.taskStatus(taskId, BIZ)).data, 'a')
    await operate(taskId, 'a', { action: 'retry' })
    const retried = findEntry((await d.taskStatus(taskId, BIZ)).data, 'a')
    expect(retried).toMatchObject({ state: 'FAILED', retry: 1, skip: false })
    expect(retried.version).not.toBe(before.version)
    await operate(taskId, 'a', { action: 'skip' })
    const skipped = findEntry((await d.taskStatus(taskId, BIZ)).data, 'a')
    expect(skipped).toMatchObject({ state: 'FINISHED', retry: 1, skip: true })
    expect(skipped.version).not.toBe(retried.version)
  })

  it('a node appointed for pause suspends the flow when reached, and resume runs it', async () => {
    const taskId = await fixtures.waiting()
    await operate(taskId, 'n', { action: 'pause' })
    await operate(taskId, 'w', { action: 'callback' })
    const suspended = (await d.taskStatus(taskId, BIZ)).data
    expect(findEntry(suspended, 'n').state).toBe('SUSPENDED')
    expect(suspended.state).toBe('NODE_SUSPENDED')
    await operate(taskId, 'n', { action: 'resume' })
    expect((await d.taskStatus(taskId, BIZ)).data.state).toBe('FINISHED')
  })

  it('a loop past the rerun limit fails the node with the limit text', async () => {
    const tree = webTree(
      [start(), activity('a', 'noop'), exclusive('g', { a: '${x} == 1', end: '${x} == 2' }), end()],
      [...chain('start', 'a', 'g'), ['g', 'a'], ['g', 'end']],
      { constants: { x: 1 } },
    )
    const taskId = await d.createTask(BIZ, tree, { start: true })
    const status = (await d.taskStatus(taskId, BIZ, { with_ex_data: '1' })).data
    expect(findEntry(status, 'a')).toMatchObject({ state: 'FAILED', loop: 101 })
    expect(findEntry(status, 'g')).toMatchObject({ state: 'FINISHED', loop: 101 })
    expect(status.ex_data).toEqual({ a: 'node execution exceed rerun limit 100' })
  })

  it('an exclusive gateway with more than one condition holding fails (strategy ONLY)', async () => {
    const tree = webTree(
      [start(), exclusive('g', { b: '${x} > 1', c: '${x} > 2' }), activity('b', 'noop'), activity('c', 'noop'), converge('j'), end()],
      [['start', 'g'], ['g', 'b'], ['g', 'c'], ['b', 'j'], ['c', 'j'], ['j', 'end']],
      { constants: { x: 5 } },
    )
    const taskId = await d.createTask(BIZ, tree, { start: true })
    const status = (await d.taskStatus(taskId, BIZ, { with_ex_data: '1' })).data
    expect(status.ex_data).toEqual({ g: "multiple conditions meet: ['f_g_b', 'f_g_c']" })
  })
})

describe('operate_task conformance', () => {
  const task = (taskId: number, action: string) => d.operateTask(taskId, BIZ, { action })
  const invalidOperation = (message: string) => ({ result: false, code: 3545000, message })
  const rootState = async (taskId: number) => (await d.taskStatus(taskId, BIZ)).data.state

  it('start: once, then "task already started"', async () => {
    const taskId = await fixtures.notStarted()
    expect(await rootState(taskId)).toBe('CREATED')
    expect(await task(taskId, 'start')).toMatchObject({ result: true, code: 0, message: 'success' })
    expect(await rootState(taskId)).toBe('FINISHED')
    expect(await task(taskId, 'start')).toMatchObject(invalidOperation('task already started'))
  })

  it.each(['pause', 'resume', 'revoke'])('%s before start: "task not started"', async (action) => {
    const taskId = await fixtures.notStarted()
    expect(await task(taskId, action)).toMatchObject(invalidOperation('task not started'))
    expect(await rootState(taskId)).toBe('CREATED')
  })

  it('pause, pause again, resume, resume again', async () => {
    const taskId = await fixtures.waiting()
    expect(await task(taskId, 'resume')).toMatchObject({ result: false, code: 3599999 })
    expect((await task(taskId, 'resume')).message.trimEnd().split('\n').at(-1)).toBe(
      `bamboo_engine.exceptions.InvalidOperationError: pipeline(${ROOT}) state is: RUNNING`,
    )
    expect(await task(taskId, 'pause')).toMatchObject({ result: true, code: 0, message: 'success' })
    expect(await rootState(taskId)).toBe('SUSPENDED')
    const again = await task(taskId, 'pause')
    expect(again).toMatchObject({ result: false, code: 3599999 })
    expect(again.message.trimEnd().split('\n').at(-1)).toBe(`RuntimeError: can't not transit node(${ROOT}) state from SUSPENDED to SUSPENDED`)
    expect(await task(taskId, 'resume')).toMatchObject({ result: true, code: 0 })
    expect(await rootState(taskId)).toBe('RUNNING')
  })

  it('a revoked task refuses every action through its current_flow', async () => {
    const taskId = await fixtures.failedActivity()
    expect(await rootState(taskId)).toBe('FAILED')
    expect(await task(taskId, 'revoke')).toMatchObject({ result: true, code: 0 })
    expect(await rootState(taskId)).toBe('REVOKED')
    for (const action of ['pause', 'resume', 'revoke', 'jump']) {
      expect(await task(taskId, action)).toMatchObject(invalidOperation(`task with current_flow:finished cannot be ${action}ed`))
    }
    expect(await task(taskId, 'start')).toMatchObject(invalidOperation('task already started'))
  })

  it('revoke turns only the root REVOKED: a running subprocess and its running child stay RUNNING', async () => {
    const taskId = await fixtures.runningSubprocess()
    expect(await task(taskId, 'revoke')).toMatchObject({ result: true, code: 0, message: 'success' })
    const status = (await d.taskStatus(taskId, BIZ)).data
    expect(status.state).toBe('REVOKED')
    expect(findEntry(status, 'sp').state).toBe('RUNNING')
    expect(findEntry(status, 'w2').state).toBe('RUNNING')
    // The waiting node still takes its callback and finishes; its process then dies at the revoke check.
    expect(await operate(taskId, 'w2', { action: 'callback' })).toMatchObject({ result: true, code: 0 })
    const after = (await d.taskStatus(taskId, BIZ)).data
    expect(findEntry(after, 'w2').state).toBe('FINISHED')
    expect(findEntry(after, 'e2')).toBeUndefined()
    expect(findEntry(after, 'sp').state).toBe('RUNNING')
  })

  it('revoke of a paused task: the root goes from SUSPENDED to REVOKED', async () => {
    const taskId = await fixtures.waiting()
    expect(await task(taskId, 'pause')).toMatchObject({ result: true, code: 0 })
    expect(await task(taskId, 'revoke')).toMatchObject({ result: true, code: 0 })
    const status = (await d.taskStatus(taskId, BIZ)).data
    expect(status.state).toBe('REVOKED')
    expect(findEntry(status, 'w').state).toBe('RUNNING')
  })

  it('a finished task cannot be paused', async () => {
    const taskId = await d.createTask(BIZ, webTree([start(), activity('a', 'noop'), end()], chain('start', 'a', 'end')), { start: true })
    expect(await task(taskId, 'pause')).toMatchObject(invalidOperation('task with current_flow:finished cannot be pauseed'))
  })

  it('an unknown action is "task command is invalid"', async () => {
    const taskId = await fixtures.waiting()
    expect(await task(taskId, 'jump')).toMatchObject(invalidOperation('task command is invalid'))
    expect(await rootState(taskId)).toBe('RUNNING')
  })
})

/**
 * The task views' refusals and their quieter behaviours, each as SOPS's view answers it (bk-sops
 * `gcloud/apigw/views/<view>.py`, and `gcloud/apigw/log_auth.py` for the node log). `<task>` is a
 * finished task of business 2, `<created>` one not started, `<project N>` business N's SOPS project.
 */
const OTHER_BIZ = '3'

interface ViewRow {
  view: string
  target: string
  /** The SOPS source the answer is taken from. */
  source: string
  /** The call, on the gateway form's path after `apigw/`; GET when there is no body. */
  path: string
  body?: Record<string, unknown>
  expected: { result: boolean; code: number; message?: string }
}

const tooMany = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
const missing = (view: string, biz: string) => `[API] ${view} task[id=<task>] of project[project_id=<project ${biz}>, biz_id${biz}] does not exist`

const viewRows: ViewRow[] = [
  // creating and starting
  { view: 'create_task', target: 'a template the business does not have', source: 'create_task.py', path: 'create_task/99/2', body: { name: 't' }, expected: { result: false, code: 3540400, message: 'template[id=99] of project[project_id=<project 2>,biz_id=2] does not exist' } },
  { view: 'create_task', target: "another business's template", source: 'create_task.py', path: 'create_task/4/2', body: { name: 't' }, expected: { result: false, code: 3540400, message: 'template[id=4] of project[project_id=<project 2>,biz_id=2] does not exist' } },
  { view: 'create_task', target: 'a callback_url that is no URL', source: 'create_task.py', path: 'create_task/1/2', body: { name: 't', callback_url: 'ftp://x' }, expected: { result: false, code: 3540000, message: 'callback_url format error, must match ^https?://\\w.+$' } },
  { view: 'create_and_start_task', target: 'a template the business does not have', source: 'create_and_start_task.py', path: 'create_and_start_task/99/2', body: { name: 't' }, expected: { result: false, code: 3540400, message: 'template[id=99] of project[project_id=<project 2>,biz_id=2] does not exist' } },
  { view: 'start_task', target: 'a started task, started again', source: 'start_task.py (is_task_started)', path: 'start_task/<task>/2', body: {}, expected: { result: false, code: 3545000, message: 'task already started' } },
  { view: 'start_task', target: 'a task of another business (queued, never started)', source: 'start_task.py (is_task_started filters by project)', path: 'start_task/<created>/3', body: {}, expected: { result: true, code: 0 } },
  // reading one task
  { view: 'get_task_detail', target: 'a task of another business', source: 'get_task_detail.py', path: 'get_task_detail/<task>/3', expected: { result: false, code: 3540400, message: missing('get_task_detail', OTHER_BIZ) } },
  { view: 'get_task_node_detail', target: 'a task of another business', source: 'get_task_node_detail.py', path: 'get_task_node_detail/<task>/3?node_id=a', expected: { result: false, code: 3540400, message: missing('get_task_node_detail', OTHER_BIZ) } },
  { view: 'get_task_node_log', target: 'a task of another business', source: 'log_auth.py get_taskflow_for_log', path: 'get_task_node_log/<task>/3?node_id=a&version=v0', expected: { result: false, code: 3540400, message: `[API] get_task_node_log task[id=<task>] of project[project_id=<project ${OTHER_BIZ}>, biz_id=${OTHER_BIZ}] does not exist` } },
  { view: 'get_task_node_log', target: 'a node the task does not have', source: 'log_auth.py validate_task_node', path: 'get_task_node_log/<task>/2?node_id=ghost&version=v0', expected: { result: false, code: 3540400, message: '[API] get_task_node_log task[id=<task>] does not have node[ghost]' } },
  { view: 'get_task_node_log', target: 'no node_id', source: 'log_auth.py validate_task_node', path: 'get_task_node_log/<task>/2?version=v0', expected: { result: false, code: 3540000, message: '[API] get_task_node_log node_id is required' } },
  { view: 'get_template_info', target: 'a template the business does not have', source: 'get_template_info.py', path: 'get_template_info/99/2', expected: { result: false, code: 3540400, message: 'template[id=99] of project[project_id=<project 2>, biz_id=2] does not exist' } },
  // reading many tasks
  { view: 'get_tasks_status', target: '51 ids', source: 'get_tasks_status.py', path: 'get_tasks_status/2', body: { task_id_list: tooMany(51) }, expected: { result: false, code: 3540000, message: 'task_id_list is too long, maximum length is 50' } },
  { view: 'get_tasks_status', target: 'task_id_list not a list', source: 'get_tasks_status.py', path: 'get_tasks_status/2', body: { task_id_list: '1,2' }, expected: { result: false, code: 3540000, message: 'task_id_list must be a list' } },
  { view: 'get_tasks_manual_intervention_state', target: '10 ids', source: 'get_tasks_manual_intervention_state.py', path: 'get_tasks_manual_intervention_state/2', body: { task_id_list: tooMany(10) }, expected: { result: false, code: 3540000, message: 'task_ids_list length can not exceeds 10' } },
  { view: 'get_tasks_manual_intervention_state', target: 'task_id_list not a list', source: 'get_tasks_manual_intervention_state.py', path: 'get_tasks_manual_intervention_state/2', body: { task_id_list: 1 }, expected: { result: false, code: 3540000, message: 'task_id_list must be a list' } },
]

describe('task views conformance', () => {
  /** A business's SOPS project id, from get_user_project_list (each business has one once it has a task). */
  async function projectIdOf(biz: string): Promise<number> {
    const projects = (await (await engineFetch('apigw/get_user_project_list/')).json()) as Envelope
    return (projects.data as Array<{ project_id: number; bk_biz_id: number }>).find((p) => String(p.bk_biz_id) === biz)!.project_id
  }

  it.each(viewRows.map((row) => [`${row.view}: ${row.target} (bk-sops ${row.source})`, row] as const))('%s', async (_, row) => {
    await d.createTask(OTHER_BIZ, webTree([start(), activity('a', 'noop'), end()], chain('start', 'a', 'end')))
    const taskId = await d.createTask(BIZ, webTree([start(), activity('a', 'noop'), end()], chain('start', 'a', 'end')), { start: true })
    const notStarted = await fixtures.notStarted()
    const fill = (text: string) => text.replaceAll('<task>', String(taskId)).replaceAll('<created>', String(notStarted))
    const projects = { '2': await projectIdOf(BIZ), '3': await projectIdOf(OTHER_BIZ) }
    const res = await engineFetch(`apigw/${fill(row.path).replace(/(\?|$)/, '/$1')}`, {
      method: row.body ? 'POST' : 'GET',
      headers: { 'Content-Type': 'application/json' },
      body: row.body && JSON.stringify(row.body),
    })
    const { message, ...rest } = row.expected
    const expected = message === undefined ? rest : { ...rest, message: fill(message).replace(/<project (\d)>/g, (_, biz: '2' | '3') => String(projects[biz])) }
    expect(await res.json()).toMatchObject(expected)
  })

  it('get_tasks_status and get_tasks_manual_intervention_state leave out the tasks of other businesses (bk-sops: filter by project)', async () => {
    const ours = await d.createTask(BIZ, webTree([start(), activity('w', 'pause_node'), end()], chain('start', 'w', 'end')), { start: true })
    const theirs = await d.createTask(OTHER_BIZ, webTree([start(), activity('a', 'noop'), end()], chain('start', 'a', 'end')))
    const post = async (view: string) =>
      (await (await engineFetch(`apigw/${view}/${BIZ}/`, { method: 'POST', body: JSON.stringify({ task_id_list: [ours, theirs] }) })).json()) as Envelope
    expect((await post('get_tasks_status')).data.map((t: { id: number }) => t.id)).toEqual([ours])
    expect((await post('get_tasks_manual_intervention_state')).data).toEqual([{ id: ours, manual_intervention_required: true }])
  })
})
