/**
 * The engine runtime (bamboo-engine's ERI): node definitions, state records with set_state's rules,
 * execution data, histories, processes and schedules, over the task's Store.
 */
import type { Pipeline, PipelineNode } from './pipeline.ts'
import { cannotTransit, doesNotExist } from './errors.ts'
import { references } from './expression.ts'
import { canTransit, type StateName } from './states.ts'
import type { DataInput, ExecutionData, ProcessRecord, StateRecord, Store } from './store.ts'
import { lazyVariable } from './variables.ts'

export interface NodeEntry {
  node: PipelineNode
  /** The pipeline that holds the node: the root, or a SubProcess node's child pipeline. */
  pipeline: Pipeline
}

/** Every node and pipeline of a tree, subprocess contents included, by id. */
export class PipelineIndex {
  readonly root: Pipeline
  private readonly nodes = new Map<string, NodeEntry>()
  private readonly pipelines = new Map<string, Pipeline>()

  constructor(root: Pipeline) {
    this.root = root
    this.add(root)
  }

  private add(pipeline: Pipeline): void {
    this.pipelines.set(pipeline.id, pipeline)
    for (const node of Object.values(pipeline.nodes)) {
      this.nodes.set(node.id, { node, pipeline })
      if (node.type === 'SubProcess') this.add(node.pipeline)
    }
  }

  entry(nodeId: string): NodeEntry | undefined {
    return this.nodes.get(nodeId)
  }

  pipeline(pipelineId: string): Pipeline | undefined {
    return this.pipelines.get(pipelineId)
  }
}

/** bamboo-engine versions: "v" + uuid4 hex. */
export const newVersion = () => `v${crypto.randomUUID().replaceAll('-', '')}`

export interface SetStateOptions {
  loop?: number
  innerLoop?: number
  rootId?: string
  parentId?: string
  isRetry?: boolean
  isSkip?: boolean
  errorIgnored?: boolean
  resetRetry?: boolean
  resetSkip?: boolean
  resetErrorIgnored?: boolean
  refreshVersion?: boolean
  setStartedTime?: boolean
  clearStartedTime?: boolean
  setArchiveTime?: boolean
  clearArchivedTime?: boolean
}

export type ProcessChange = Partial<Omit<ProcessRecord, 'id'>>

/** A pipeline's context ready to render with, or why a lazy variable could not be resolved. */
export type Hydrated = { ok: true; vars: Record<string, unknown> } | { ok: false; error: string }

export class Runtime {
  readonly store: Store
  readonly index: PipelineIndex
  /** The user the current call is made for (histories, forced_fail's text). */
  readonly operator: string

  constructor(store: Store, index: PipelineIndex, operator: string) {
    this.store = store
    this.index = index
    this.operator = operator
  }

  now(): number {
    return Date.now()
  }

  // nodes --------------------------------------------------------------------------------------------

  /** Node definitions exist once the pipeline has started, as in the engine's Node table. */
  getNode(nodeId: string): NodeEntry {
    const entry = this.store.getMeta('started') === 'true' ? this.index.entry(nodeId) : undefined
    if (!entry) throw doesNotExist('Node')
    return entry
  }

  /** The node a flow leads to, or undefined for a flow the node does not have. */
  target(entry: NodeEntry, flowId: string): string | undefined {
    return entry.node.outgoing.includes(flowId) ? entry.pipeline.flows[flowId]?.target : undefined
  }

  /** The targets of the node's outgoing flows, in order. */
  targetNodes(entry: NodeEntry): string[] {
    return entry.node.outgoing.flatMap((flowId) => entry.pipeline.flows[flowId]?.target ?? [])
  }

  // states -------------------------------------------------------------------------------------------

  getState(nodeId: string): StateRecord {
    const state = this.store.state(nodeId)
    if (!state) throw doesNotExist('State')
    return state
  }

  stateName(nodeId: string): StateName | undefined {
    return this.store.state(nodeId)?.name
  }

  /** set_state: creates the record unchecked, else enforces TRANSITION; returns the (new) version. */
  setState(nodeId: string, to: StateName, o: SetStateOptions = {}): string {
    const now = this.now()
    const existing = this.store.state(nodeId)
    if (existing && !canTransit(existing.name, to)) throw cannotTransit(nodeId, existing.name, to)
    const base: StateRecord = existing ?? {
      nodeId,
      rootId: '',
      parentId: '',
      name: to,
      version: newVersion(),
      loop: 1,
      innerLoop: 1,
      retry: 0,
      skip: false,
      errorIgnored: false,
      createdTime: now,
      startedTime: null,
      archivedTime: null,
    }
    const next: StateRecord = { ...base, name: to }
    if (o.rootId !== undefined) next.rootId = o.rootId
    if (o.parentId !== undefined) next.parentId = o.parentId
    if (o.loop !== undefined) next.loop = o.loop
    if (o.innerLoop !== undefined) next.innerLoop = o.innerLoop
    if (o.isRetry) next.retry += 1
    if (o.resetRetry) next.retry = 0
    if (o.isSkip) next.skip = true
    if (o.resetSkip) next.skip = false
    if (o.errorIgnored) next.errorIgnored = true
    if (o.resetErrorIgnored) next.errorIgnored = false
    if (o.refreshVersion && existing) next.version = newVersion()
    if (o.setStartedTime) next.startedTime = now
    if (o.clearStartedTime) next.startedTime = null
    if (o.setArchiveTime) next.archivedTime = now
    if (o.clearArchivedTime) next.archivedTime = null
    this.store.putState(next)
    return next.version
  }

  // data ---------------------------------------------------------------------------------------------

  executionData(nodeId: string): ExecutionData {
    return this.store.executionData(nodeId) ?? { inputs: {}, outputs: {} }
  }

  setOutputs(nodeId: string, outputs: Record<string, unknown>): void {
    this.store.putExecutionData(nodeId, { inputs: this.executionData(nodeId).inputs, outputs })
  }

  /** The node's inputs: as retry last replaced them, else as the tree defines them. */
  dataInputs(entry: NodeEntry): Record<string, DataInput> {
    const replaced = this.store.dataInputs(entry.node.id)
    if (replaced) return replaced
    if (entry.node.type !== 'ServiceActivity') return {}
    return Object.fromEntries(
      Object.entries(entry.node.component.inputs).map(([key, input]) => [key, { value: input.value, needRender: input.hook }]),
    )
  }

  /** A record of the attempt that is being replaced (retry, skip, loop re-entry). */
  addHistory(state: StateRecord): void {
    const data = this.executionData(state.nodeId)
    this.store.addHistory({
      nodeId: state.nodeId,
      startedTime: state.startedTime,
      archivedTime: state.archivedTime,
      loop: state.loop,
      retry: state.retry,
      skip: state.skip,
      version: state.version,
      inputs: data.inputs,
      outputs: data.outputs,
      operator: this.operator,
      createdTime: this.now(),
    })
  }

  // processes ----------------------------------------------------------------------------------------

  process(id: number): ProcessRecord {
    return this.store.process(id)
  }

  changeProcess(id: number, change: ProcessChange): ProcessRecord {
    const next = { ...this.store.process(id), ...change }
    this.store.updateProcess(next)
    return next
  }

  /** Forks one child per target, each heading for its converge gateway, and makes the parent wait for all. */
  forkAndJoin(parent: ProcessRecord, fromTo: Array<[target: string, destination: string]>): Array<{ processId: number; nodeId: string }> {
    const children = fromTo.map(([target, destination]) => ({
      nodeId: target,
      processId: this.store.createProcess({
        rootPipelineId: parent.rootPipelineId,
        parentId: parent.id,
        destinationId: destination,
        currentNodeId: target,
        pipelineStack: parent.pipelineStack,
      }),
    }))
    this.changeProcess(parent.id, { asleep: true, needAck: children.length, ackNum: 0 })
    return children
  }

  /** A child reached its destination: it dies; true when it was the last one the parent waited for. */
  childFinished(child: ProcessRecord): boolean {
    this.changeProcess(child.id, { dead: true })
    if (child.parentId === null) return false
    const parent = this.store.process(child.parentId)
    const ackNum = parent.ackNum + 1
    if (ackNum < parent.needAck) {
      this.changeProcess(parent.id, { ackNum })
      return false
    }
    this.changeProcess(parent.id, { ackNum: 0, needAck: -1 })
    return true
  }

  // contexts -----------------------------------------------------------------------------------------

  context(pipelineId: string): Record<string, unknown> {
    return this.store.context(pipelineId)
  }

  /**
   * bamboo's hydrate, as the node runs: the context of its pipeline to render `value` with, where each
   * lazy variable that `value` references is resolved now, on the node's current attempt.
   */
  hydrate(entry: NodeEntry, value: unknown): Hydrated {
    const vars = this.context(entry.pipeline.id)
    const attempt = this.getState(entry.node.id).retry
    for (const key of references(value)) {
      const variable = lazyVariable(entry.pipeline.constants[key]?.customType)
      if (!variable) continue
      const resolved = variable.resolve({ key, value: vars[key], attempt })
      if (!resolved.ok) return resolved
      vars[key] = resolved.value
    }
    return { ok: true, vars }
  }

  /** Puts a node's outputs into the constants of its pipeline that take them (component_outputs). */
  extractOutputs(entry: NodeEntry, outputs: Record<string, unknown>): void {
    const vars = this.context(entry.pipeline.id)
    let changed = false
    for (const constant of Object.values(entry.pipeline.constants)) {
      if (constant.sourceType !== 'component_outputs') continue
      for (const key of constant.sourceInfo[entry.node.id] ?? []) {
        if (!Object.hasOwn(outputs, key)) continue
        vars[constant.key] = outputs[key]
        changed = true
      }
    }
    if (changed) this.store.putContext(entry.pipeline.id, vars)
  }
}
