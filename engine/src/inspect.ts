/**
 * What the read views show of one task (SOPS's TaskFlowInstance.get_task_detail, get_node_detail, the
 * node log and is_manual_intervention_required), read from the task's store.
 */
import type { Json, JsonObject } from './json.ts'
import type { PipelineIndex } from './runtime.ts'
import { formatTime } from './status.ts'
import type { HistoryRecord, StateRecord, Store } from './store.ts'

const seconds = (from: number | null, to: number | null) => (from === null ? 0 : Math.round(((to ?? Date.now()) - from) / 1000))

/** Engine bookkeeping SOPS keeps out of the outputs it shows. */
const HIDDEN_OUTPUTS = new Set(['ex_data', '_result', '_loop', '_inner_loop'])

const outputList = (outputs: Record<string, unknown>) =>
  Object.entries(outputs)
    .filter(([key]) => !HIDDEN_OUTPUTS.has(key))
    .map(([key, value]) => ({ name: key, key, value: value as Json, preset: false }))

/** The task's outputs: its exported constants, with the values the run gave them. */
export function taskOutputs(store: Store, index: PipelineIndex, webTree: JsonObject): JsonObject[] {
  const context = store.context(index.root.id)
  const constants = (webTree.constants ?? {}) as Record<string, { name?: string; value?: Json }>
  return index.root.outputs.map((key) => ({
    key,
    name: constants[key]?.name ?? key,
    value: (key in context ? context[key] : constants[key]?.value ?? null) as Json,
  }))
}

export interface NodeView {
  state: StateRecord | undefined
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}

/** get_task_node_detail's data. */
export function nodeDetail(store: Store, nodeId: string): JsonObject {
  const state = store.state(nodeId)
  const data = store.executionData(nodeId) ?? { inputs: {}, outputs: {} }
  const history = (h: HistoryRecord): JsonObject => ({
    history_id: h.id,
    state: h.skip ? 'FINISHED' : 'FAILED',
    start_time: formatTime(h.startedTime),
    finish_time: formatTime(h.archivedTime),
    elapsed_time: seconds(h.startedTime, h.archivedTime),
    loop: h.loop,
    retry: h.retry,
    skip: h.skip,
    version: h.version,
    inputs: h.inputs as JsonObject,
    outputs: outputList(h.outputs),
    ex_data: (h.outputs.ex_data ?? '') as Json,
  })
  return {
    id: nodeId,
    state: state?.name ?? 'READY',
    version: state?.version ?? '',
    loop: state?.loop ?? 1,
    retry: state?.retry ?? 0,
    skip: state?.skip ?? false,
    error_ignored: state?.errorIgnored ?? false,
    start_time: formatTime(state?.startedTime ?? null),
    finish_time: formatTime(state?.archivedTime ?? null),
    elapsed_time: seconds(state?.startedTime ?? null, state?.archivedTime ?? null),
    inputs: data.inputs as JsonObject,
    outputs: outputList(data.outputs),
    ex_data: (data.outputs.ex_data ?? '') as Json,
    histories: store.histories(nodeId).map(history),
  }
}

/** A node's log for one of its versions: what the engine did with it, a line per step. */
export function nodeLogLines(store: Store, nodeId: string, version: string): string[] | undefined {
  const state = store.state(nodeId)
  const run =
    state && state.version === version
      ? { startedTime: state.startedTime, archivedTime: state.archivedTime, state: state.name, outputs: store.executionData(nodeId)?.outputs ?? {} }
      : store.histories(nodeId).filter((h) => h.version === version).map((h) => ({ startedTime: h.startedTime, archivedTime: h.archivedTime, state: 'FAILED', outputs: h.outputs }))[0]
  if (!run) return undefined
  const at = (ms: number | null) => formatTime(ms) ?? ''
  const lines = [`[${at(run.startedTime)}]INFO-execute: node ${nodeId} started (version ${version})`]
  if (typeof run.outputs.ex_data === 'string' && run.outputs.ex_data !== '') lines.push(`[${at(run.archivedTime)}]ERROR-execute: ${run.outputs.ex_data}`)
  if (run.archivedTime !== null) lines.push(`[${at(run.archivedTime)}]INFO-execute: node ${nodeId} ended ${run.state}`)
  else lines.push(`[${at(run.startedTime)}]INFO-schedule: node ${nodeId} is ${run.state}`)
  return lines
}

/** SOPS: a failed node, a running pause node, a suspended subprocess, or the task itself suspended. */
export function needsManualIntervention(store: Store, index: PipelineIndex): boolean {
  return store.statesOfRoot(index.root.id).some((s) => {
    const node = index.entry(s.nodeId)?.node
    if (s.name === 'FAILED') return true
    if (s.name === 'SUSPENDED') return s.nodeId === index.root.id || node?.type === 'SubProcess'
    return s.name === 'RUNNING' && node?.type === 'ServiceActivity' && node.component.code === 'pause_node'
  })
}
