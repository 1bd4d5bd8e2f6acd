/**
 * How the engine advances by itself (engine-reference §2, §7): the execute loop, the node handlers and
 * the schedule step. bamboo-engine queues each execute/schedule as a Celery task; here they queue in
 * memory and run to completion inside the task object, until every process is blocked.
 */
import { COMPONENTS, type Component, type Wait } from './components.ts'
import { evaluateCondition, renderValue } from './expression.ts'
import type { ActivityNode, ConditionalGatewayNode, SubProcessNode } from './pipeline.ts'
import type { NodeEntry, Runtime } from './runtime.ts'
import { RERUN_LIMIT, RUNNABLE_FROM } from './states.ts'
import type { ProcessRecord } from './store.ts'

type Job =
  | { kind: 'execute'; processId: number; nodeId: string }
  | { kind: 'schedule'; processId: number; nodeId: string; scheduleId: number; callbackDataId?: number }

type HandlerResult =
  | { next: string }
  | { sleep: true; wait?: Wait }
  | { dispatch: Array<{ processId: number; nodeId: string }> }
  | { die: true }

export class Executor {
  private readonly rt: Runtime
  private readonly queue: Job[] = []

  constructor(rt: Runtime) {
    this.rt = rt
  }

  execute(processId: number, nodeId: string): void {
    this.queue.push({ kind: 'execute', processId, nodeId })
  }

  schedule(processId: number, nodeId: string, scheduleId: number, callbackDataId?: number): void {
    this.queue.push({ kind: 'schedule', processId, nodeId, scheduleId, callbackDataId })
  }

  /** Runs queued work, and the work it queues, until every process is blocked. */
  drain(): void {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      try {
        if (job.kind === 'execute') this.runExecute(job.processId, job.nodeId)
        else this.runSchedule(job.processId, job.nodeId, job.scheduleId, job.callbackDataId)
      } catch (error) {
        // As a failed Celery task: logged, and the flow stays where it stopped.
        console.error(`engine ${job.kind} of ${job.nodeId} failed:`, error)
      }
    }
  }

  // execute loop (engine-reference §2.2) -------------------------------------------------------------------

  private runExecute(processId: number, startNodeId: string): void {
    const rt = this.rt
    let process = rt.changeProcess(processId, { asleep: false })
    let nodeId = startNodeId
    for (;;) {
      if (nodeId === process.destinationId) {
        if (rt.childFinished(process) && process.parentId !== null) this.execute(process.parentId, nodeId)
        return
      }
      process = rt.changeProcess(process.id, { currentNodeId: nodeId })

      if (rt.stateName(process.rootPipelineId) === 'REVOKED') {
        rt.changeProcess(process.id, { dead: true })
        return
      }
      const pausedBy = process.pipelineStack.find((id) => rt.stateName(id) === 'SUSPENDED')
      if (pausedBy) {
        rt.changeProcess(process.id, { suspended: true, suspendedBy: pausedBy })
        return
      }

      const entry = rt.getNode(nodeId)
      const state = rt.store.state(nodeId)
      const topPipelineId = process.pipelineStack.at(-1) ?? process.rootPipelineId
      let loop = 1
      let innerLoop = 1
      let reentry = false
      if (state) {
        if (state.name === 'FINISHED' && entry.node.type !== 'SubProcess' && state.loop > RERUN_LIMIT) {
          const { outputs } = rt.executionData(nodeId)
          rt.setOutputs(nodeId, { ...outputs, ex_data: `node execution exceed rerun limit ${RERUN_LIMIT}` })
          rt.changeProcess(process.id, { asleep: true })
          rt.setState(nodeId, 'FAILED', { setArchiveTime: true })
          return
        }
        if (state.name === 'SUSPENDED') {
          // A node appointed for pause before it was reached learns its place only now.
          rt.store.putState({ ...state, rootId: process.rootPipelineId, parentId: topPipelineId })
          rt.changeProcess(process.id, { suspended: true, suspendedBy: nodeId })
          return
        }
        if (!RUNNABLE_FROM.includes(state.name)) {
          rt.changeProcess(process.id, { asleep: true })
          return
        }
        reentry = state.name === 'FINISHED'
        loop = reentry ? state.loop + 1 : state.loop
        innerLoop = reentry ? state.innerLoop + 1 : state.innerLoop
        if (reentry) rt.addHistory(state)
      }
      const version = rt.setState(nodeId, 'RUNNING', {
        loop,
        innerLoop,
        rootId: process.rootPipelineId,
        parentId: topPipelineId,
        setStartedTime: true,
        resetSkip: reentry,
        resetRetry: reentry,
        resetErrorIgnored: reentry,
        refreshVersion: reentry,
      })

      const result = this.handle(entry, process)
      process = rt.process(process.id)
      if ('next' in result) {
        nodeId = result.next
        continue
      }
      if ('die' in result) {
        rt.changeProcess(process.id, { dead: true })
        return
      }
      if ('dispatch' in result) {
        for (const child of result.dispatch) this.execute(child.processId, child.nodeId)
        return
      }
      rt.changeProcess(process.id, { asleep: true })
      if (result.wait) {
        const now = rt.now()
        rt.store.createSchedule({
          processId: process.id,
          nodeId,
          version,
          type: result.wait.type,
          finished: false,
          expired: false,
          times: 0,
          dueAt: result.wait.type === 'POLL' ? now + result.wait.afterSeconds * 1000 : null,
        })
      }
      return
    }
  }

  // handlers (engine-reference §2.3) -------------------------------------------------------------------------

  private handle(entry: NodeEntry, process: ProcessRecord): HandlerResult {
    const { node } = entry
    switch (node.type) {
      case 'EmptyStartEvent':
      case 'ConvergeGateway':
        return this.passThrough(entry)
      case 'EmptyEndEvent':
        return this.end(entry, process)
      case 'ServiceActivity':
        return this.activity(entry, node)
      case 'ExclusiveGateway':
        return this.exclusive(entry, node)
      case 'ConditionalParallelGateway':
        return this.conditionalParallel(entry, node, process)
      case 'ParallelGateway':
        this.rt.setState(node.id, 'FINISHED', { setArchiveTime: true })
        return {
          dispatch: this.rt.forkAndJoin(process, this.rt.targetNodes(entry).map((target) => [target, node.convergeGatewayId])),
        }
      case 'SubProcess':
        return this.enterSubprocess(entry, node, process)
    }
  }

  private passThrough(entry: NodeEntry): HandlerResult {
    this.rt.setState(entry.node.id, 'FINISHED', { setArchiveTime: true })
    return { next: this.nextOf(entry) }
  }

  private nextOf(entry: NodeEntry): string {
    const next = this.rt.targetNodes(entry)[0]
    if (next === undefined) throw new Error(`node ${entry.node.id} has no outgoing flow`)
    return next
  }

  private end(entry: NodeEntry, process: ProcessRecord): HandlerResult {
    const rt = this.rt
    const stack = process.pipelineStack
    const pipelineId = stack.at(-1) ?? process.rootPipelineId
    rt.changeProcess(process.id, { pipelineStack: stack.slice(0, -1) })
    rt.setState(entry.node.id, 'FINISHED', { setArchiveTime: true })
    if (stack.length <= 1) {
      rt.setState(pipelineId, 'FINISHED', { setArchiveTime: true })
      rt.store.setMeta('current_flow', 'finished')
      return { die: true }
    }
    // A subprocess ends: its outputs go to the parent and the flow continues after the SubProcess node.
    const subprocess = rt.getNode(pipelineId)
    const vars = rt.context(pipelineId)
    const outputs = Object.fromEntries(entry.pipeline.outputs.map((key) => [key, vars[key]]))
    rt.setOutputs(pipelineId, outputs)
    rt.extractOutputs(subprocess, outputs)
    rt.setState(pipelineId, 'FINISHED', { setArchiveTime: true })
    return { next: this.nextOf(subprocess) }
  }

  private enterSubprocess(entry: NodeEntry, node: SubProcessNode, process: ProcessRecord): HandlerResult {
    const child = node.pipeline
    // Shown constants are the subprocess's parameters, rendered in the parent's context.
    const params = Object.values(child.constants).filter((c) => c.showType === 'show')
    const parent = this.rt.hydrate(entry, params.map((c) => c.value))
    if (!parent.ok) return this.executeFailed(node.id, `context hydrate failed(${parent.error}), check node log for details.`)
    const own = Object.fromEntries(Object.values(child.constants).map((c) => [c.key, c.value]))
    const vars = Object.fromEntries(
      Object.values(child.constants).map((c) => [c.key, renderValue(c.value, c.showType === 'show' ? parent.vars : own)]),
    )
    this.rt.store.putContext(child.id, vars)
    this.rt.store.putExecutionData(node.id, { inputs: vars, outputs: {} })
    this.rt.changeProcess(process.id, { pipelineStack: [...process.pipelineStack, node.id] })
    return { next: child.startEventId }
  }

  // ServiceActivity (engine-reference §7) ---------------------------------------------------------------------

  private activity(entry: NodeEntry, node: ActivityNode): HandlerResult {
    const rt = this.rt
    const state = rt.getState(node.id)
    const loopMarks = { _loop: state.loop, _inner_loop: state.innerLoop }
    const dataInputs = Object.entries(rt.dataInputs(entry))
    const hydrated = rt.hydrate(entry, dataInputs.flatMap(([, input]) => (input.needRender ? [input.value] : [])))
    if (!hydrated.ok) {
      // Failed whether or not errors may be ignored: the component never ran.
      const exData = `inputs hydrate failed(${hydrated.error}), check node log for details`
      const plain = Object.fromEntries(dataInputs.map(([key, input]) => [key, input.value]))
      rt.store.putExecutionData(node.id, { inputs: plain, outputs: { ex_data: exData, _result: false, ...loopMarks } })
      rt.setState(node.id, 'FAILED', { setArchiveTime: true })
      return { sleep: true }
    }
    const inputs = Object.fromEntries(
      dataInputs.map(([key, input]) => [key, input.needRender ? renderValue(input.value, hydrated.vars) : input.value]),
    )
    const outcome = componentOf(node).execute({ inputs, retry: state.retry })
    if (!outcome.ok) {
      rt.store.putExecutionData(node.id, { inputs, outputs: { ex_data: outcome.exData, _result: false, ...loopMarks } })
      return this.activityFailed(entry, node)
    }
    const outputs = { ...outcome.outputs, _result: true, ...loopMarks }
    rt.store.putExecutionData(node.id, { inputs, outputs })
    if (outcome.wait) return { sleep: true, wait: outcome.wait }
    rt.setState(node.id, 'FINISHED', { setArchiveTime: true })
    rt.extractOutputs(entry, outputs)
    return { next: this.nextOf(entry) }
  }

  /** A failure: error_ignorable turns it into FINISHED with error_ignored, else FAILED and the process sleeps. */
  private activityFailed(entry: NodeEntry, node: ActivityNode): HandlerResult {
    if (!node.errorIgnorable) {
      this.rt.setState(node.id, 'FAILED', { setArchiveTime: true })
      return { sleep: true }
    }
    this.rt.setState(node.id, 'FINISHED', { setArchiveTime: true, errorIgnored: true })
    this.rt.extractOutputs(entry, this.rt.executionData(node.id).outputs)
    return { next: this.nextOf(entry) }
  }

  private runSchedule(processId: number, nodeId: string, scheduleId: number, callbackDataId?: number): void {
    const rt = this.rt
    const state = rt.getState(nodeId)
    const schedule = rt.store.schedule(scheduleId)
    if (schedule.finished) return
    if (state.version !== schedule.version || state.name !== 'RUNNING') {
      rt.store.updateSchedule({ ...schedule, expired: true, dueAt: null })
      return
    }
    const entry = rt.getNode(nodeId)
    if (entry.node.type !== 'ServiceActivity') return
    const node = entry.node
    const data = rt.executionData(nodeId)
    const outcome = componentOf(node).schedule?.({
      inputs: data.inputs,
      outputs: data.outputs,
      callbackData: callbackDataId === undefined ? undefined : rt.store.callbackData(callbackDataId),
      startedTime: state.startedTime ?? rt.now(),
      now: rt.now(),
    }) ?? { ok: true as const, outputs: data.outputs, done: true as const }
    const times = schedule.times + 1

    if (!outcome.ok) {
      rt.setOutputs(nodeId, { ...data.outputs, ex_data: outcome.exData, _result: false })
      rt.store.updateSchedule({ ...schedule, times, dueAt: null, finished: node.errorIgnorable })
      const result = this.activityFailed(entry, node)
      if ('next' in result) this.execute(processId, result.next)
      return
    }
    rt.setOutputs(nodeId, outcome.outputs)
    if (!outcome.done) {
      rt.store.updateSchedule({ ...schedule, times, dueAt: rt.now() + outcome.afterSeconds * 1000 })
      return
    }
    rt.store.updateSchedule({ ...schedule, times, dueAt: null, finished: true })
    rt.setState(nodeId, 'FINISHED', { setArchiveTime: true })
    rt.extractOutputs(entry, outcome.outputs)
    this.execute(processId, this.nextOf(entry))
  }

  // gateways --------------------------------------------------------------------------------------------------

  /** The flows whose conditions hold (or the default flow), or the ex_data of the failure. */
  private choose(entry: NodeEntry, node: ConditionalGatewayNode): { flows: string[] } | { exData: string } {
    const hydrated = this.rt.hydrate(entry, Object.values(node.conditions))
    if (!hydrated.ok) return { exData: `evaluation context hydrate failed(${hydrated.error}), check node log for details.` }
    const vars = hydrated.vars
    const met: string[] = []
    for (const [flowId, expr] of Object.entries(node.conditions)) {
      try {
        if (evaluateCondition(expr, vars)) met.push(flowId)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        return { exData: `evaluate[${expr}] fail with data[${JSON.stringify(vars)}] message: ${message}` }
      }
    }
    if (met.length === 0 && node.defaultFlowId !== undefined) return { flows: [node.defaultFlowId] }
    if (met.length === 0) return { exData: 'all conditions of branches are not meet' }
    return { flows: met }
  }

  /** A handler's failure (bamboo's _execute_fail): the ex_data, FAILED, and the process sleeps. */
  private executeFailed(nodeId: string, exData: string): HandlerResult {
    this.rt.setOutputs(nodeId, { ...this.rt.executionData(nodeId).outputs, ex_data: exData })
    this.rt.setState(nodeId, 'FAILED', { setArchiveTime: true })
    return { sleep: true }
  }

  private exclusive(entry: NodeEntry, node: ConditionalGatewayNode): HandlerResult {
    const choice = this.choose(entry, node)
    if ('exData' in choice) return this.executeFailed(node.id, choice.exData)
    // Strategy ONLY: exactly one condition may hold.
    if (choice.flows.length > 1) {
      return this.executeFailed(node.id, `multiple conditions meet: [${choice.flows.map((id) => `'${id}'`).join(', ')}]`)
    }
    const target = this.rt.target(entry, choice.flows[0] ?? '')
    if (target === undefined) throw new Error(`gateway ${node.id} has no flow ${choice.flows[0]}`)
    this.rt.setState(node.id, 'FINISHED', { setArchiveTime: true })
    return { next: target }
  }

  private conditionalParallel(entry: NodeEntry, node: ConditionalGatewayNode, process: ProcessRecord): HandlerResult {
    const choice = this.choose(entry, node)
    if ('exData' in choice) return this.executeFailed(node.id, choice.exData)
    const converge = node.convergeGatewayId
    if (converge === undefined) throw new Error(`gateway ${node.id} has no converge gateway`)
    this.rt.setState(node.id, 'FINISHED', { setArchiveTime: true })
    const targets = choice.flows.flatMap((flowId) => this.rt.target(entry, flowId) ?? [])
    return { dispatch: this.rt.forkAndJoin(process, targets.map((target) => [target, converge])) }
  }
}

function componentOf(node: ActivityNode): Component {
  const component = Object.hasOwn(COMPONENTS, node.component.code) ? COMPONENTS[node.component.code] : undefined
  if (!component) throw new Error(`component ${node.component.code} does not exist`)
  return component
}
