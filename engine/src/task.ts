/**
 * EngineTask: one SQLite-backed Durable Object per task. It holds the task's tree and all engine state,
 * runs every command synchronously until each process is blocked, and polls `sleep_timer`s via alarms.
 */
import { DurableObject } from 'cloudflare:workers'
import { renderValue } from './expression.ts'
import type { Json } from './json.ts'
import { Executor } from './execution.ts'
import { Operations } from './operations.ts'
import type { Pipeline } from './pipeline.ts'
import { PipelineIndex, Runtime } from './runtime.ts'
import {
  DoesNotExistOutsideEngine,
  INVALID_OPERATION,
  SUCCESS,
  nodeCallback,
  nodesAction,
  taskAction,
  type CallbackCommand,
  type NodeCommand,
  type SopsResult,
} from './sops.ts'
import { needsManualIntervention, nodeDetail, nodeLogLines, taskOutputs } from './inspect.ts'
import type { JsonObject } from './json.ts'
import { formatTime, taskStatus, type StatusQuery } from './status.ts'
import { sendTaskCallback, type TaskCallback } from './task-callback.ts'
import { Store } from './store.ts'

export interface TaskInit {
  taskId: number
  projectId: number
  name: string
  /** The SOPS web tree as created, returned by fast_create_task. */
  webTree: Json
  pipeline: Pipeline
  creator: string
  /** The template it was made from, if any, and how (SOPS's create_method: api, app, …). */
  templateId?: number
  createMethod: string
  /** Where to POST the outcome when it finishes (create_task's callback_url). */
  callback?: TaskCallback
}

/** What a task lists as (get_task_list, get_tasks_status). */
export interface TaskSummary {
  id: number
  name: string
  creator: string
  executor: string
  template_id: string
  create_method: string
  is_started: boolean
  is_finished: boolean
  create_time: string | null
  start_time: string | null
  finish_time: string | null
  current_flow: string
}

/** What a task answers; `missing` when it does not exist in the caller's project. */
export type TaskReply<T> = { missing: true } | { missing: false; value: T }

/** operate_node's answers: a dispatcher result, or SOPS's middleware answer to a DoesNotExist. */
export type NodeReply = { result: SopsResult } | { doesNotExist: string }

/** It reads no bindings, so it does not depend on the engine's env (./env.ts names this class). */
export class EngineTask extends DurableObject<unknown> {
  private store: Store
  private index?: PipelineIndex

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    this.store = new Store(ctx.storage.sql)
  }

  /** Stores a new task; false when this object already holds one (creation is idempotent). */
  create(init: TaskInit): boolean {
    if (this.store.getMeta('task_id') !== undefined) return false
    const meta: Record<string, string> = {
      project_id: String(init.projectId),
      name: init.name,
      web_tree: JSON.stringify(init.webTree),
      pipeline: JSON.stringify(init.pipeline),
      creator: init.creator,
      template_id: init.templateId === undefined ? '' : String(init.templateId),
      create_method: init.createMethod,
      callback: init.callback ? JSON.stringify(init.callback) : '',
      create_time: String(Date.now()),
      started: 'false',
      // SOPS creates API tasks straight into the execute_task flow.
      current_flow: 'execute_task',
    }
    for (const [key, value] of Object.entries(meta)) this.store.setMeta(key, value)
    this.store.setMeta('task_id', String(init.taskId))
    return true
  }

  /** Forgets the task entirely, its alarm included, as if it had never been created (the demo reset). */
  async forget(): Promise<void> {
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.store = new Store(this.ctx.storage.sql)
    this.index = undefined
  }

  /** operate_task's start: queued in SOPS, run to its first blocking point here. */
  async start(projectId: number, operator: string): Promise<TaskReply<SopsResult>> {
    if (!this.belongsTo(projectId)) return { missing: true }
    if (this.store.getMeta('started') === 'true') {
      return found({ result: false, message: 'task already started', code: INVALID_OPERATION })
    }
    this.store.setMeta('executor', operator)
    this.store.setMeta('start_time', String(Date.now()))
    const { ops, executor } = this.session(operator)
    const constants = Object.values(this.pipelineIndex().root.constants)
    const raw = Object.fromEntries(constants.map((c) => [c.key, c.value]))
    ops.runPipeline(Object.fromEntries(constants.map((c) => [c.key, renderValue(c.value, raw)])))
    await this.settle(executor)
    return found({ result: true, message: 'success', code: SUCCESS })
  }

  async taskAction(projectId: number, action: string, operator: string): Promise<TaskReply<SopsResult>> {
    if (!this.belongsTo(projectId)) return { missing: true }
    const { ops, executor } = this.session(operator)
    const flow = { started: this.store.getMeta('started') === 'true', currentFlow: this.store.getMeta('current_flow') ?? '' }
    const result = taskAction(ops, this.pipelineIndex().root.id, flow, action)
    // SOPS's signal handler: a revoked task's flow is finished.
    if (result.result && action === 'revoke') this.store.setMeta('current_flow', 'finished')
    await this.settle(executor)
    return found(result)
  }

  /** operate_node. */
  nodeAction(projectId: number, command: NodeCommand, operator: string): Promise<TaskReply<NodeReply>> {
    return this.onNode(projectId, operator, (ops, rt) => nodesAction(ops, rt, this.taskId(), command))
  }

  /** node_callback. */
  nodeCallback(projectId: number, command: CallbackCommand, operator: string): Promise<TaskReply<NodeReply>> {
    return this.onNode(projectId, operator, (ops, rt) => nodeCallback(ops, rt, this.taskId(), command))
  }

  private async onNode(
    projectId: number,
    operator: string,
    dispatch: (ops: Operations, rt: Runtime) => SopsResult,
  ): Promise<TaskReply<NodeReply>> {
    if (!this.belongsTo(projectId)) return { missing: true }
    const { rt, ops, executor } = this.session(operator)
    try {
      const result = dispatch(ops, rt)
      await this.settle(executor)
      return found({ result })
    } catch (error) {
      if (error instanceof DoesNotExistOutsideEngine) return found({ doesNotExist: error.message })
      throw error
    }
  }

  /** The status tree as JSON text: a recursive JSON type is too deep for RPC's stub types. */
  status(projectId: number, query: StatusQuery): TaskReply<string> {
    if (!this.belongsTo(projectId)) return { missing: true }
    const name = this.store.getMeta('name') ?? ''
    return found(JSON.stringify(taskStatus(this.store, this.pipelineIndex(), name, query, Date.now())))
  }

  /** get_task_detail's data; the URL and the project's name are the view's to add. */
  detail(projectId: number): TaskReply<string> {
    if (!this.belongsTo(projectId)) return { missing: true }
    const webTree = JSON.parse(this.store.getMeta('web_tree') ?? '{}') as JsonObject
    const summary = this.summaryOf()
    return found(
      JSON.stringify({
        id: summary.id,
        name: summary.name,
        creator: summary.creator,
        executor: summary.executor,
        project_id: projectId,
        template_id: summary.template_id,
        create_method: summary.create_method,
        create_time: summary.create_time,
        start_time: summary.start_time,
        finish_time: summary.finish_time,
        elapsed_time: this.elapsedSeconds(),
        constants: webTree.constants ?? {},
        outputs: taskOutputs(this.store, this.pipelineIndex(), webTree),
        pipeline_tree: webTree,
      }),
    )
  }

  summary(projectId: number): TaskReply<TaskSummary> {
    if (!this.belongsTo(projectId)) return { missing: true }
    return found(this.summaryOf())
  }

  /** get_task_node_detail's data, as JSON text; undefined for a node the task does not have. */
  nodeDetail(projectId: number, nodeId: string): TaskReply<string | undefined> {
    if (!this.belongsTo(projectId)) return { missing: true }
    return found(this.pipelineIndex().entry(nodeId) ? JSON.stringify(nodeDetail(this.store, nodeId)) : undefined)
  }

  /** The node's log lines for a version: undefined for a node the task does not have, [] for a version it never ran. */
  nodeLog(projectId: number, nodeId: string, version: string): TaskReply<string[] | undefined> {
    if (!this.belongsTo(projectId)) return { missing: true }
    if (!this.pipelineIndex().entry(nodeId)) return found(undefined)
    return found(nodeLogLines(this.store, nodeId, version.startsWith('v') ? version : `v${version}`) ?? [])
  }

  manualInterventionRequired(projectId: number): TaskReply<boolean> {
    if (!this.belongsTo(projectId)) return { missing: true }
    return found(needsManualIntervention(this.store, this.pipelineIndex()))
  }

  override async alarm(): Promise<void> {
    if (this.store.getMeta('task_id') === undefined) return
    const { ops, executor } = this.session('')
    ops.runDuePolls()
    await this.settle(executor)
  }

  private belongsTo(projectId: number): boolean {
    return this.store.getMeta('task_id') !== undefined && this.store.getMeta('project_id') === String(projectId)
  }

  private rootState() {
    return this.store.state(this.pipelineIndex().root.id)
  }

  private elapsedSeconds(): number {
    const root = this.rootState()
    return root?.startedTime ? Math.round(((root.archivedTime ?? Date.now()) - root.startedTime) / 1000) : 0
  }

  private summaryOf(): TaskSummary {
    const meta = (key: string) => this.store.getMeta(key) ?? ''
    const root = this.rootState()
    const finished = root?.name === 'FINISHED' || root?.name === 'REVOKED'
    return {
      id: this.taskId(),
      name: meta('name'),
      creator: meta('creator'),
      executor: meta('executor'),
      template_id: meta('template_id'),
      create_method: meta('create_method') || 'api',
      is_started: meta('started') === 'true',
      is_finished: finished,
      create_time: formatTime(Number(meta('create_time'))),
      start_time: meta('start_time') ? formatTime(Number(meta('start_time'))) : null,
      finish_time: finished ? formatTime(root?.archivedTime ?? null) : null,
      current_flow: meta('current_flow'),
    }
  }

  /** Once the task has finished or was revoked, its callback_url hears so, once. */
  private async callBackOnce(): Promise<void> {
    const callback = this.store.getMeta('callback')
    const root = this.rootState()
    if (!callback || this.store.getMeta('called_back') || (root?.name !== 'FINISHED' && root?.name !== 'REVOKED')) return
    this.store.setMeta('called_back', 'true')
    const webTree = JSON.parse(this.store.getMeta('web_tree') ?? '{}') as JsonObject
    await sendTaskCallback(JSON.parse(callback) as TaskCallback, this.taskId(), root.name === 'FINISHED', taskOutputs(this.store, this.pipelineIndex(), webTree))
  }

  private taskId(): number {
    return Number(this.store.getMeta('task_id'))
  }

  private pipelineIndex(): PipelineIndex {
    this.index ??= new PipelineIndex(JSON.parse(this.store.getMeta('pipeline') ?? 'null') as Pipeline)
    return this.index
  }

  private session(operator: string) {
    const rt = new Runtime(this.store, this.pipelineIndex(), operator)
    const executor = new Executor(rt)
    return { rt, executor, ops: new Operations(rt, executor) }
  }

  /** Runs what the command queued, then points the alarm at the next due poll. */
  private async settle(executor: Executor): Promise<void> {
    executor.drain()
    await this.callBackOnce()
    const next = this.store.pendingPolls()[0]?.dueAt
    if (next === undefined || next === null) await this.ctx.storage.deleteAlarm()
    else await this.ctx.storage.setAlarm(next)
  }
}

const found = <T>(value: T): TaskReply<T> => ({ missing: false, value })
