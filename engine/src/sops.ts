/**
 * SOPS's dispatchers (engine-reference §3.0, §4.1): map SOPS node and task commands onto engine calls and
 * turn the engine's answer into SOPS's `{result, message, code}`.
 */
import { EngineError, traceback } from './errors.ts'
import { isJsonObject, type Json } from './json.ts'
import type { Operations } from './operations.ts'
import type { Runtime } from './runtime.ts'

export interface SopsResult {
  result: boolean
  message: string
  code: number
}

export const SUCCESS = 0
export const REQUEST_PARAM_INVALID = 3540000
export const CONTENT_NOT_EXIST = 3540400
export const INVALID_OPERATION = 3545000
export const UNKNOWN_ERROR = 3599999

export const NODE_COMMANDS = [
  'retry', 'skip', 'callback', 'skip_exg', 'skip_cpg', 'pause', 'resume',
  'pause_subproc', 'resume_subproc', 'forced_fail', 'retry_subprocess',
] as const

/** What operate_node hands to the task (the body's operation fields). */
export interface NodeCommand {
  node_id?: Json
  action?: Json
  data?: Json
  inputs?: Json
  flow_id?: Json
  flow_ids?: Json
  converge_gateway_id?: Json
}

/** SOPS failures outside the engine wrapper, which its middleware turns into 3540400. */
export class DoesNotExistOutsideEngine extends Error {}

const fail = (message: string, code: number): SopsResult => ({ result: false, message, code })

/** ensure_return_is_dict: "success", or "fail: " + the traceback. */
function engineCall(api: string, call: () => void): SopsResult {
  try {
    call()
    return { result: true, message: 'success', code: SUCCESS }
  } catch (error) {
    if (error instanceof EngineError) return fail(`fail: ${traceback(api, error)}`, UNKNOWN_ERROR)
    throw error
  }
}

/** A Python exception in SOPS's own dispatch code, e.g. a KeyError for a missing keyword argument. */
class DispatchError extends Error {}

const pythonRepr = (value: Json | undefined) =>
  value === undefined || value === null ? 'None' : typeof value === 'string' ? value : JSON.stringify(value)

/** TaskFlowInstance.nodes_action. */
export function nodesAction(ops: Operations, rt: Runtime, taskId: number, command: NodeCommand): SopsResult {
  const nodeId = pythonRepr(command.node_id)
  if (typeof command.node_id !== 'string' || !rt.index.entry(command.node_id)) {
    return fail(`节点状态请求失败: 任务[ID: ${taskId}]中未找到节点[ID: ${nodeId}]. 请重试. 如持续失败可联系管理员处理 | nodes_action`, REQUEST_PARAM_INVALID)
  }
  const action = command.action
  if (typeof action !== 'string' || !(NODE_COMMANDS as readonly string[]).includes(action)) {
    return fail('task command is invalid', INVALID_OPERATION)
  }
  try {
    return dispatchNode(ops, rt, nodeId, action as (typeof NODE_COMMANDS)[number], command)
  } catch (error) {
    if (!(error instanceof DispatchError)) throw error
    return fail(
      `节点操作失败: 节点[ID: ${nodeId}], 任务[ID: ${taskId}]操作失败: ${error.message}, 请重试. 如持续失败可联系管理员处理 | nodes_action`,
      UNKNOWN_ERROR,
    )
  }
}

function dispatchNode(ops: Operations, rt: Runtime, nodeId: string, action: (typeof NODE_COMMANDS)[number], command: NodeCommand): SopsResult {
  switch (action) {
    case 'retry': {
      // SOPS sends empty inputs as None: the node keeps its inputs.
      const inputs = isJsonObject(command.inputs) && Object.keys(command.inputs).length > 0 ? command.inputs : undefined
      return engineCall('retry_node', () => ops.retryNode(nodeId, inputs))
    }
    case 'skip':
      return engineCall('skip_node', () => ops.skipNode(nodeId))
    case 'callback':
      // operate_node never passes a version: the callback is for the node's current one.
      return callback(ops, rt, nodeId, command.data ?? {}, undefined)
    case 'skip_exg':
      return engineCall('skip_exclusive_gateway', () => ops.skipExclusiveGateway(nodeId, pythonRepr(command.flow_id ?? '')))
    case 'skip_cpg': {
      const flowIds = required(command, 'flow_ids')
      const convergeGatewayId = required(command, 'converge_gateway_id')
      if (!Array.isArray(flowIds) || !flowIds.every((id) => typeof id === 'string')) {
        throw new DispatchError('flow_ids must be a list of flow ids')
      }
      return engineCall('skip_conditional_parallel_gateway', () =>
        ops.skipConditionalParallelGateway(nodeId, flowIds as string[], pythonRepr(convergeGatewayId)),
      )
    }
    case 'pause':
      return engineCall('pause_node_appoint', () => ops.pauseNodeAppoint(nodeId))
    case 'resume':
      return engineCall('resume_node_appoint', () => ops.resumeNodeAppoint(nodeId))
    case 'pause_subproc':
      return engineCall('pause_pipeline', () => ops.pausePipeline(nodeId))
    case 'resume_subproc':
      return engineCall('resume_pipeline', () => ops.resumePipeline(nodeId))
    case 'forced_fail':
      return engineCall('forced_fail_activity', () =>
        ops.forcedFailActivity(nodeId, `The node has been terminated by ${rt.operator}.`),
      )
    case 'retry_subprocess':
      return engineCall('retry_subprocess', () => ops.retrySubprocess(nodeId))
  }
}

function required(command: NodeCommand, key: 'flow_ids' | 'converge_gateway_id'): Json {
  const value = command[key]
  if (value === undefined) throw new DispatchError(`'${key}'`)
  return value
}

/** What node_callback hands to the task. */
export interface CallbackCommand {
  node_id?: Json
  callback_data?: Json
  /** Defaults to the node's current version. */
  version?: Json
}

/** TaskFlowInstance.callback, behind the node_callback API: its own node check, and no code masking. */
export function nodeCallback(ops: Operations, rt: Runtime, taskId: number, command: CallbackCommand): SopsResult {
  const { node_id: nodeId, callback_data: data = null, version } = command
  if (typeof nodeId !== 'string' || !rt.index.entry(nodeId)) {
    return fail(`task[${taskId}] does not have node[${pythonRepr(nodeId)}]`, REQUEST_PARAM_INVALID)
  }
  return callback(ops, rt, nodeId, data, typeof version === 'string' && version !== '' ? version : undefined)
}

function callback(ops: Operations, rt: Runtime, nodeId: string, data: Json, version: string | undefined): SopsResult {
  const bound = version ?? currentVersion(rt, nodeId)
  return engineCall('callback', () => ops.callback(nodeId, bound, data))
}

/** SOPS fills in the version with its own get_state, outside the engine's wrapper. */
function currentVersion(rt: Runtime, nodeId: string): string {
  const state = rt.store.state(nodeId)
  if (!state) throw new DoesNotExistOutsideEngine('State matching query does not exist.')
  return state.version
}

export interface TaskFlow {
  started: boolean
  /** "execute_task" while the task can be operated, "finished" once it finished or was revoked. */
  currentFlow: string
}

/** TaskFlowInstance.task_action and the task dispatcher, for pause, resume and revoke (start has its own path). */
export function taskAction(ops: Operations, rootId: string, flow: TaskFlow, action: string): SopsResult {
  if (flow.currentFlow !== 'execute_task') {
    return fail(`task with current_flow:${flow.currentFlow} cannot be ${action}ed`, INVALID_OPERATION)
  }
  const engineCalls: Record<string, [api: string, call: () => void] | undefined> = {
    pause: ['pause_pipeline', () => ops.pausePipeline(rootId)],
    resume: ['resume_pipeline', () => ops.resumePipeline(rootId)],
    revoke: ['revoke_pipeline', () => ops.revokePipeline(rootId)],
  }
  const engine = Object.hasOwn(engineCalls, action) ? engineCalls[action] : undefined
  if (!engine) return fail('task command is invalid', INVALID_OPERATION)
  if (!flow.started) return fail('task not started', INVALID_OPERATION)
  return engineCall(...engine)
}
