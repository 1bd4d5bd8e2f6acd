/**
 * Engine scenarios from trees, written against EngineDriver so they run against the engine directly
 * (scenarios.test.ts) and, with a gateway driver, end to end through the gateway.
 */
import { describe, expect, it } from 'vitest'
import type { EngineDriver, Envelope } from './driver.ts'
import {
  activity, chain, converge, end, exclusive, flowId, parallel, single, start, subprocess, webTree,
} from './trees.ts'

const BIZ = '2'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- status entries are plain JSON
type Entry = any

/** A node's entry anywhere in the status tree, or undefined when it has none. */
export function findEntry(tree: Entry, nodeId: string): Entry | undefined {
  for (const [id, child] of Object.entries<Entry>(tree.children ?? {})) {
    if (id === nodeId) return child
    const inner = findEntry(child, nodeId)
    if (inner) return inner
  }
  return undefined
}

export function engineScenarios(makeDriver: () => EngineDriver): void {
  const d = makeDriver()

  const status = async (taskId: number, query: Record<string, string> = {}) => {
    const answer = await d.taskStatus(taskId, BIZ, query)
    expect(answer).toMatchObject({ result: true, code: 0 })
    return answer.data as Entry
  }
  const stateOf = async (taskId: number, nodeId: string) => findEntry(await status(taskId), nodeId)?.state
  const node = (taskId: number, body: Record<string, unknown>) => d.operateNode(BIZ, taskId, body)
  const task = (taskId: number, action: string) => d.operateTask(taskId, BIZ, { action })
  const ok = (answer: Envelope) => expect(answer).toMatchObject({ result: true, code: 0, message: 'success' })
  const failsWith = (answer: Envelope, last: string) => {
    expect(answer).toMatchObject({ result: false, code: 3599999 })
    expect(answer.message.startsWith('fail: Traceback')).toBe(true)
    expect(answer.message.trimEnd().split('\n').at(-1)).toBe(last)
  }

  /** a's output `msg` decides the branch: b when it is "new", c otherwise. */
  const routedByOutput = (code: string, flags = {}) =>
    webTree(
      [start(), activity('a', code, { msg: '${x}' }, flags), exclusive('g', { b: '${route} == "new"' }, 'c'),
        activity('b', 'noop'), activity('c', 'noop'), converge('j'), end()],
      [...chain('start', 'a', 'g'), ['g', 'b'], ['g', 'c'], ['b', 'j'], ['c', 'j'], ['j', 'end']],
      { constants: { x: 'old' }, fromOutputs: { route: { node: 'a', key: 'msg', initial: 'unset' } } },
    )

  describe('engine scenarios', () => {
    it('fail → retry with new inputs → continues to the end', async () => {
      const id = await d.createTask(BIZ, routedByOutput('fail_once'), { start: true })
      expect((await status(id)).state).toBe('FAILED')
      ok(await node(id, { node_id: 'a', action: 'retry', inputs: { msg: 'new' } }))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'a')).toMatchObject({ state: 'FINISHED', retry: 1, skip: false })
      // The new input came out of `a` and chose the branch.
      expect(findEntry(after, 'b')?.state).toBe('FINISHED')
      expect(findEntry(after, 'c')).toBeUndefined()
    })

    it('fail → skip: the outputs are not passed on, the flow continues', async () => {
      const id = await d.createTask(BIZ, routedByOutput('fail_once'), { start: true })
      const failed = findEntry(await status(id), 'a')
      ok(await node(id, { node_id: 'a', action: 'skip' }))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'a')).toMatchObject({ state: 'FINISHED', skip: true, retry: 0 })
      expect(findEntry(after, 'a').version).not.toBe(failed.version)
      // `route` kept its initial value: the default branch ran.
      expect(findEntry(after, 'c')?.state).toBe('FINISHED')
      expect(findEntry(after, 'b')).toBeUndefined()
    })

    it('an error-ignorable failure finishes with error_ignored and passes its outputs on', async () => {
      const id = await d.createTask(BIZ, routedByOutput('fail', { error_ignorable: true }), { start: true })
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'a')).toMatchObject({ state: 'FINISHED', error_ignored: true, skip: false })
    })

    it('failed exclusive gateway → skip_exg to a chosen flow', async () => {
      const tree = webTree(
        [start(), exclusive('g', { b: '${x} > 10', c: '${x} < 0' }), activity('b', 'noop'), activity('c', 'noop'), converge('j'), end()],
        [['start', 'g'], ['g', 'b'], ['g', 'c'], ['b', 'j'], ['c', 'j'], ['j', 'end']],
        { constants: { x: 5 } },
      )
      const id = await d.createTask(BIZ, tree, { start: true })
      const failed = await status(id, { with_ex_data: '1' })
      expect(failed.state).toBe('FAILED')
      expect(failed.ex_data).toEqual({ g: 'all conditions of branches are not meet' })
      ok(await node(id, { node_id: 'g', action: 'skip_exg', flow_id: flowId('g', 'c') }))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'g')).toMatchObject({ state: 'FINISHED', skip: true })
      expect(findEntry(after, 'c')?.state).toBe('FINISHED')
      expect(findEntry(after, 'b')).toBeUndefined()
    })

    it('pause_node → callback: the data lands in the outputs, the next node runs', async () => {
      const tree = webTree(
        [start(), activity('wait', 'pause_node'), exclusive('g', { yes: '"approved" in ${answer}' }, 'no'),
          activity('yes', 'noop'), activity('no', 'noop'), converge('j'), end()],
        [...chain('start', 'wait', 'g'), ['g', 'yes'], ['g', 'no'], ['yes', 'j'], ['no', 'j'], ['j', 'end']],
        { fromOutputs: { answer: { node: 'wait', key: 'callback_data', initial: {} } } },
      )
      const id = await d.createTask(BIZ, tree, { start: true })
      expect(await stateOf(id, 'wait')).toBe('RUNNING')
      expect(await stateOf(id, 'g')).toBeUndefined()
      ok(await node(id, { node_id: 'wait', action: 'callback', data: { approved: true } }))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'wait').state).toBe('FINISHED')
      expect(findEntry(after, 'yes')?.state).toBe('FINISHED')
    })

    it('a stale callback version is refused after a retry', async () => {
      const id = await d.createTask(BIZ, single('wait', 'pause_node'), { start: true })
      const first = findEntry(await status(id), 'wait').version as string
      ok(await node(id, { node_id: 'wait', action: 'forced_fail' }))
      ok(await node(id, { node_id: 'wait', action: 'retry' }))
      const retried = findEntry(await status(id), 'wait')
      expect(retried).toMatchObject({ state: 'RUNNING', retry: 1 })
      failsWith(
        await d.nodeCallback(id, BIZ, { node_id: 'wait', callback_data: {}, version: first }),
        `bamboo_engine.exceptions.InvalidOperationError: node version ${first} not exist`,
      )
      expect(await stateOf(id, 'wait')).toBe('RUNNING')
      ok(await d.nodeCallback(id, BIZ, { node_id: 'wait', callback_data: { approved: true }, version: retried.version }))
      expect((await status(id)).state).toBe('FINISHED')
    })

    it('pause_subproc / resume_subproc on a running subprocess with a node still running', async () => {
      const inner = webTree([start('s2'), activity('wait', 'pause_node'), activity('inner', 'noop'), end('e2')], chain('s2', 'wait', 'inner', 'e2'))
      const tree = webTree([start(), subprocess('sp', inner), activity('after', 'noop'), end()], chain('start', 'sp', 'after', 'end'))
      const id = await d.createTask(BIZ, tree, { start: true })
      expect(await stateOf(id, 'sp')).toBe('RUNNING')
      ok(await node(id, { node_id: 'sp', action: 'pause_subproc' }))
      const paused = await status(id)
      expect(findEntry(paused, 'sp').state).toBe('SUSPENDED')
      expect(paused.state).toBe('NODE_SUSPENDED')
      expect(findEntry(paused, 'wait').state).toBe('RUNNING')
      // The running node still completes; its process stops at the next node.
      ok(await node(id, { node_id: 'wait', action: 'callback', data: {} }))
      expect(await stateOf(id, 'wait')).toBe('FINISHED')
      expect(await stateOf(id, 'inner')).toBeUndefined()
      ok(await node(id, { node_id: 'sp', action: 'resume_subproc' }))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'inner').state).toBe('FINISHED')
      expect(findEntry(after, 'after').state).toBe('FINISHED')
    })

    it('forced_fail on a running node, then retry', async () => {
      const id = await d.createTask(BIZ, single('wait', 'pause_node'), { start: true })
      ok(await node(id, { node_id: 'wait', action: 'forced_fail' }))
      const failed = await status(id, { with_ex_data: 'true' })
      expect(failed.state).toBe('FAILED')
      expect(failed.ex_data).toEqual({ wait: 'The node has been terminated by admin.' })
      ok(await node(id, { node_id: 'wait', action: 'retry' }))
      expect(findEntry(await status(id), 'wait')).toMatchObject({ state: 'RUNNING', retry: 1 })
      ok(await node(id, { node_id: 'wait', action: 'callback', data: {} }))
      expect((await status(id)).state).toBe('FINISHED')
    })

    it('task pause is lazy: the running node finishes, the flow stops at the next node', async () => {
      const tree = webTree([start(), activity('wait', 'pause_node'), activity('next', 'noop'), end()], chain('start', 'wait', 'next', 'end'))
      const id = await d.createTask(BIZ, tree, { start: true })
      ok(await task(id, 'pause'))
      expect((await status(id)).state).toBe('SUSPENDED')
      ok(await node(id, { node_id: 'wait', action: 'callback', data: {} }))
      const paused = await status(id)
      expect(paused.state).toBe('SUSPENDED')
      expect(findEntry(paused, 'wait').state).toBe('FINISHED')
      expect(findEntry(paused, 'next')).toBeUndefined()
      ok(await task(id, 'resume'))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'next').state).toBe('FINISHED')
    })

    it('revoke leaves node states as they are', async () => {
      const tree = webTree(
        [start(), parallel('p'), activity('bad', 'fail'), activity('wait', 'pause_node'), converge('j'), end()],
        [['start', 'p'], ['p', 'bad'], ['p', 'wait'], ['bad', 'j'], ['wait', 'j'], ['j', 'end']],
      )
      const id = await d.createTask(BIZ, tree, { start: true })
      ok(await task(id, 'revoke'))
      const revoked = await status(id)
      expect(revoked.state).toBe('REVOKED')
      expect(findEntry(revoked, 'bad').state).toBe('FAILED')
      expect(findEntry(revoked, 'wait').state).toBe('RUNNING')
      expect(await task(id, 'pause')).toMatchObject({
        result: false, code: 3545000, message: 'task with current_flow:finished cannot be pauseed',
      })
      // The engine accepts a retry, but the flow never proceeds.
      ok(await node(id, { node_id: 'bad', action: 'retry' }))
      expect(await stateOf(id, 'bad')).toBe('READY')
      expect(await stateOf(id, 'j')).toBeUndefined()
    })

    it('parallel branches: one fails and is retried, then the join completes', async () => {
      const tree = webTree(
        [start(), parallel('p'), activity('a', 'fail_once'), activity('b', 'noop'), converge('j'), activity('c', 'noop'), end()],
        [['start', 'p'], ['p', 'a'], ['p', 'b'], ['a', 'j'], ['b', 'j'], ...chain('j', 'c', 'end')],
      )
      const id = await d.createTask(BIZ, tree, { start: true })
      const failed = await status(id)
      expect(failed.state).toBe('FAILED')
      expect(findEntry(failed, 'b').state).toBe('FINISHED')
      expect(findEntry(failed, 'j')).toBeUndefined()
      ok(await node(id, { node_id: 'a', action: 'retry' }))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      for (const nodeId of ['p', 'a', 'b', 'j', 'c', 'end']) expect(findEntry(after, nodeId)?.state).toBe('FINISHED')
    })

    describe('a lazy variable is resolved when a node that references it runs (fail_once: not on its first attempt)', () => {
      const release = { release: { type: 'fail_once', value: '1.0.0' } }

      it('a subprocess whose parameter cannot be resolved fails to enter; retry_subprocess enters it', async () => {
        const inner = webTree([start('s2'), activity('deploy', 'noop', { version: '${version}' }), end('e2')], chain('s2', 'deploy', 'e2'), {
          constants: { version: '${release}' },
        })
        const tree = webTree([start(), subprocess('sp', inner), end()], chain('start', 'sp', 'end'), { lazy: release })
        const id = await d.createTask(BIZ, tree, { start: true })
        const failed = await status(id, { with_ex_data: '1' })
        expect(failed.state).toBe('FAILED')
        expect(findEntry(failed, 'sp')).toMatchObject({ state: 'FAILED', retry: 0, children: {} })
        expect(failed.ex_data).toEqual({
          sp: 'context hydrate failed(the fail_once variable ${release} fails its first resolution by a node; retry the node to pass), check node log for details.',
        })
        ok(await node(id, { node_id: 'sp', action: 'retry_subprocess' }))
        const after = await status(id)
        expect(after.state).toBe('FINISHED')
        expect(findEntry(after, 'sp')).toMatchObject({ state: 'FINISHED', retry: 1 })
        expect(findEntry(after, 'deploy').state).toBe('FINISHED')
      })

      it("an activity whose input cannot be resolved fails even when errors may be ignored; retry resolves it", async () => {
        const tree = webTree([start(), activity('a', 'noop', { version: '${release}' }, { error_ignorable: true }), end()], chain('start', 'a', 'end'), {
          lazy: release,
        })
        const id = await d.createTask(BIZ, tree, { start: true })
        const failed = await status(id, { with_ex_data: '1' })
        expect(findEntry(failed, 'a')).toMatchObject({ state: 'FAILED', error_ignored: false })
        expect(failed.ex_data).toEqual({
          a: 'inputs hydrate failed(the fail_once variable ${release} fails its first resolution by a node; retry the node to pass), check node log for details',
        })
        ok(await node(id, { node_id: 'a', action: 'retry' }))
        expect((await status(id)).state).toBe('FINISHED')
      })

      it('a gateway whose condition cannot be resolved fails; nodes that do not reference the variable run', async () => {
        const tree = webTree(
          [start(), activity('before', 'noop', { note: '${other}' }), exclusive('g', { b: '"${release}" == "1.0.0"' }, 'c'),
            activity('b', 'noop'), activity('c', 'noop'), converge('j'), end()],
          [...chain('start', 'before', 'g'), ['g', 'b'], ['g', 'c'], ['b', 'j'], ['c', 'j'], ['j', 'end']],
          { lazy: release, constants: { other: 'x' } },
        )
        const id = await d.createTask(BIZ, tree, { start: true })
        const failed = await status(id, { with_ex_data: '1' })
        expect(findEntry(failed, 'before').state).toBe('FINISHED')
        expect(failed.ex_data).toEqual({
          g: 'evaluation context hydrate failed(the fail_once variable ${release} fails its first resolution by a node; retry the node to pass), check node log for details.',
        })
        ok(await node(id, { node_id: 'g', action: 'retry' }))
        const after = await status(id)
        expect(after.state).toBe('FINISHED')
        expect(findEntry(after, 'b').state).toBe('FINISHED')
      })
    })

    it('a loop back-edge increments loop', async () => {
      const tree = webTree(
        [start(), activity('ask', 'pause_node'), exclusive('again', { ask: '"yes" in ${answer}', end: '"no" in ${answer}' }), end()],
        [...chain('start', 'ask', 'again'), ['again', 'ask'], ['again', 'end']],
        { fromOutputs: { answer: { node: 'ask', key: 'callback_data', initial: {} } } },
      )
      const id = await d.createTask(BIZ, tree, { start: true })
      ok(await node(id, { node_id: 'ask', action: 'callback', data: { yes: 1 } }))
      const looped = await status(id)
      expect(findEntry(looped, 'ask')).toMatchObject({ state: 'RUNNING', loop: 2 })
      expect(findEntry(looped, 'again')).toMatchObject({ state: 'FINISHED', loop: 1 })
      ok(await node(id, { node_id: 'ask', action: 'callback', data: { no: 1 } }))
      const after = await status(id)
      expect(after.state).toBe('FINISHED')
      expect(findEntry(after, 'ask')).toMatchObject({ state: 'FINISHED', loop: 2 })
      expect(findEntry(after, 'again')).toMatchObject({ state: 'FINISHED', loop: 2 })
    })
  })
}
