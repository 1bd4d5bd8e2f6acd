/**
 * The engine API (bamboo-engine's engine.py): pipeline and node operations with their preconditions in
 * the documented order and their exact texts (engine-reference §3.1, §3.2, §4.2, §9). Each operation
 * changes state synchronously and queues the execution that follows; the caller drains the queue.
 */
import { doesNotExist, invalidOperation, keyError, notFound } from './errors.ts'
import type { Executor } from './execution.ts'
import type { Runtime } from './runtime.ts'
import type { ProcessRecord, StateRecord } from './store.ts'

export class Operations {
  private readonly rt: Runtime
  private readonly executor: Executor

  constructor(rt: Runtime, executor: Executor) {
    this.rt = rt
    this.executor = executor
  }

  /** run_pipeline: one process at the start event, the root RUNNING, the constants rendered. */
  runPipeline(initialContext: Record<string, unknown>): void {
    const { rt } = this
    const root = rt.index.root
    rt.store.setMeta('started', 'true')
    rt.store.putContext(root.id, initialContext)
    const processId = rt.store.createProcess({
      rootPipelineId: root.id,
      parentId: null,
      destinationId: '',
      currentNodeId: root.startEventId,
      pipelineStack: [root.id],
    })
    rt.setState(root.id, 'RUNNING', { rootId: root.id, parentId: '', setStartedTime: true })
    this.executor.execute(processId, root.startEventId)
  }

  pausePipeline(pipelineId: string): void {
    if (!this.rt.store.state(pipelineId)) throw notFound(`node(${pipelineId}) does not exist`)
    this.rt.setState(pipelineId, 'SUSPENDED')
  }

  revokePipeline(pipelineId: string): void {
    if (!this.rt.store.state(pipelineId)) throw notFound(`node(${pipelineId}) does not exist`)
    this.rt.setState(pipelineId, 'REVOKED')
  }

  resumePipeline(pipelineId: string): void {
    const state = this.rt.getState(pipelineId)
    if (state.name !== 'SUSPENDED') throw invalidOperation(`pipeline(${pipelineId}) state is: ${state.name}`)
    const waiting = this.rt.store.processesSuspendedBy(pipelineId)
    this.rt.setState(pipelineId, 'RUNNING')
    this.resumeProcesses(waiting)
  }

  pauseNodeAppoint(nodeId: string): void {
    this.refuseSubprocess(nodeId)
    this.rt.setState(nodeId, 'SUSPENDED')
  }

  resumeNodeAppoint(nodeId: string): void {
    this.refuseSubprocess(nodeId)
    const waiting = this.rt.store.processesSuspendedBy(nodeId)
    this.rt.setState(nodeId, 'READY')
    this.resumeProcesses(waiting)
  }

  retryNode(nodeId: string, inputs?: Record<string, unknown>): void {
    const { rt } = this
    const entry = rt.getNode(nodeId)
    // SOPS keeps need_render=false for the inputs that had it (_escape_render_keys).
    const current = rt.dataInputs(entry)
    const canRetry = entry.node.type === 'ServiceActivity' ? entry.node.retryable : true
    if (!canRetry) throw invalidOperation(`can not retry node(${nodeId}) with can_retry(False)`)
    const state = rt.getState(nodeId)
    const process = this.ensureFailed(state)
    if (inputs) {
      rt.store.putDataInputs(
        nodeId,
        Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, { value, needRender: current[key]?.needRender ?? true }])),
      )
    }
    rt.addHistory(state)
    rt.setState(nodeId, 'READY', { isRetry: true, refreshVersion: true, clearStartedTime: true, clearArchivedTime: true })
    this.executor.execute(process.id, nodeId)
  }

  retrySubprocess(nodeId: string): void {
    const { rt } = this
    const entry = rt.getNode(nodeId)
    if (entry.node.type !== 'SubProcess') throw invalidOperation(`node(${nodeId}) type is not SubProcess`)
    const state = rt.getState(nodeId)
    const process = this.ensureFailed(state)
    if (process.pipelineStack.at(-1) === nodeId) {
      rt.changeProcess(process.id, { pipelineStack: process.pipelineStack.slice(0, -1) })
    }
    rt.addHistory(state)
    rt.setState(nodeId, 'READY', { isRetry: true, refreshVersion: true, clearStartedTime: true, clearArchivedTime: true })
    this.executor.execute(process.id, nodeId)
  }

  skipNode(nodeId: string): void {
    const { rt } = this
    const entry = rt.getNode(nodeId)
    const { node } = entry
    const canSkip =
      node.type === 'ServiceActivity' ? node.skippable : node.type === 'EmptyStartEvent' || node.type === 'ExclusiveGateway'
    if (!canSkip) throw invalidOperation('can not skip this node')
    if (node.type !== 'ServiceActivity' && node.type !== 'EmptyStartEvent') {
      throw invalidOperation(`can not use skip_node api for NodeType.${node.type}`)
    }
    const state = rt.getState(nodeId)
    const process = this.ensureFailed(state)
    const next = rt.targetNodes(entry)[0]
    rt.addHistory(state)
    rt.setState(nodeId, 'FINISHED', { isSkip: true, refreshVersion: true, setArchiveTime: true })
    // Skip does not put the node's outputs into the context: what a failed node left is unknown.
    if (next !== undefined) this.executor.execute(process.id, next)
  }

  skipExclusiveGateway(nodeId: string, flowId: string): void {
    const { rt } = this
    const entry = rt.getNode(nodeId)
    if (entry.node.type !== 'ExclusiveGateway') {
      throw invalidOperation(`${nodeId} is not exclusive gateway, actual: ${entry.node.type}`)
    }
    const target = rt.target(entry, flowId)
    if (target === undefined) throw keyError(flowId)
    const state = rt.getState(nodeId)
    const process = this.ensureFailed(state)
    rt.addHistory(state)
    rt.setState(nodeId, 'FINISHED', { isSkip: true, refreshVersion: true, setArchiveTime: true })
    this.executor.execute(process.id, target)
  }

  skipConditionalParallelGateway(nodeId: string, flowIds: string[], convergeGatewayId: string): void {
    const { rt } = this
    const entry = rt.getNode(nodeId)
    if (entry.node.type !== 'ConditionalParallelGateway') {
      throw invalidOperation(`${nodeId} is not conditional parallel gateway, actual: ${entry.node.type}`)
    }
    const state = rt.getState(nodeId)
    const process = this.ensureFailed(state)
    const targets = flowIds.map((flowId) => {
      const target = rt.target(entry, flowId)
      if (target === undefined) throw keyError(flowId)
      return target
    })
    const children = rt.forkAndJoin(process, targets.map((target) => [target, convergeGatewayId]))
    for (const child of children) this.executor.execute(child.processId, child.nodeId)
    rt.addHistory(state)
    rt.setState(nodeId, 'FINISHED', { isSkip: true, refreshVersion: true, setArchiveTime: true })
  }

  forcedFailActivity(nodeId: string, exData: string): void {
    const { rt } = this
    const entry = rt.getNode(nodeId)
    if (entry.node.type !== 'ServiceActivity') throw invalidOperation(`${nodeId} is not activity, actual: ${entry.node.type}`)
    const state = rt.getState(nodeId)
    if (state.name !== 'RUNNING') throw invalidOperation(`${nodeId} state is not RUNNING, actual: ${state.name}`)
    const process = rt.store.liveProcessAt(nodeId)
    if (!process) throw invalidOperation(`can not find process with current node id: ${nodeId}`)
    const { outputs } = rt.executionData(nodeId)
    rt.setState(nodeId, 'FAILED', { refreshVersion: true, setArchiveTime: true })
    rt.setOutputs(nodeId, { ...outputs, ex_data: exData, _forced_failed: true })
    // "Killed": asleep, so that retry and skip find it.
    rt.changeProcess(process.id, { asleep: true })
  }

  callback(nodeId: string, version: string, data: unknown): void {
    const { rt } = this
    const process = rt.store.sleepingProcessAt(nodeId)
    if (!process) throw invalidOperation(`can not find sleep process with current node id: ${nodeId}`)
    const state = rt.getState(nodeId)
    const schedule = rt.store.scheduleOf(nodeId, version)
    if (!schedule) throw doesNotExist('Schedule')
    if (state.version !== version) {
      rt.store.updateSchedule({ ...schedule, expired: true, dueAt: null })
      throw invalidOperation(`node version ${version} not exist`)
    }
    if (schedule.finished) throw invalidOperation('schedule is already finished')
    if (schedule.expired) throw invalidOperation('schedule is already expired')
    const dataId = rt.store.addCallbackData(nodeId, state.version, data)
    this.executor.schedule(process.id, nodeId, schedule.id, dataId)
  }

  /** Runs the polls whose time has come (the alarm). */
  runDuePolls(): void {
    const now = this.rt.now()
    for (const poll of this.rt.store.pendingPolls()) {
      if (poll.dueAt === null || poll.dueAt > now) break
      this.rt.store.updateSchedule({ ...poll, dueAt: null })
      this.executor.schedule(poll.processId, poll.nodeId, poll.id)
    }
  }

  private refuseSubprocess(nodeId: string): void {
    if (this.rt.getNode(nodeId).node.type === 'SubProcess') {
      throw invalidOperation('can not use pause_node_appoint api for NodeType.SubProcess')
    }
  }

  private resumeProcesses(processes: ProcessRecord[]): void {
    for (const process of processes) {
      this.rt.changeProcess(process.id, { suspended: false, suspendedBy: '' })
      this.executor.execute(process.id, process.currentNodeId)
    }
  }

  /** The shared precondition of retry, skip and friends (engine-reference §3.1). */
  private ensureFailed(state: StateRecord): ProcessRecord {
    if (state.name !== 'FAILED') throw invalidOperation(`${state.nodeId} state is not FAILED, actual ${state.name}`)
    const process = this.rt.store.sleepingProcessAt(state.nodeId)
    if (!process) throw invalidOperation(`can not find sleep process with current node id: ${state.nodeId}`)
    return process
  }
}
