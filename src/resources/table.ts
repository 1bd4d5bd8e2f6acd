/**
 * The SOPS resources the gateway serves (CONTRACT §2), as bk-sops's api-resources.yml lists them. A new
 * resource is one entry here, one schema in ./schemas.ts and one real answer in ./answer-examples.ts:
 * routing (both URL forms), the origin's path, the forwarded fields, validation, permission names in
 * credential records, the CLI's help, the typed client and /openapi.json all follow from this table
 * (test/worker/resource-table.test.ts).
 */
import type * as z from 'zod'
import * as examples from './answer-examples.ts'
import * as schemas from './schemas.ts'

/** The ESB form takes every parameter in the body (POST) or the query (GET). */
export const ESB_PREFIX = '/api/c/compapi/v2/sops/'
/** The API-gateway form takes the ids in the path. */
export const GATEWAY_PREFIX = '/api/bk-sops/prod/'
/** SOPS serves both under `apigw/` of its base URL, with the gateway form's path. */
export const ORIGIN_PREFIX = 'apigw/'

interface Entry<Name extends string, Method extends 'get' | 'post', Path extends string, Schema extends z.ZodObject, Data extends z.ZodType> {
  name: Name
  summary: string
  method: Method
  /** A POST that changes SOPS (creates or starts a task): it takes an `Idempotency-Key`. */
  write: boolean
  /** The gateway form's path after its prefix, ids as `:name`, as in api-resources.yml. */
  path: Path
  /** The parameters; every field that is not in the path is forwarded to SOPS. */
  schema: Schema
  /** What SOPS answers in `data` on success. */
  data: Data
  /** Fields SOPS answers beside `data` (start_task's task_url, get_task_list's count, …), passed on. */
  answerFields?: readonly string[]
  /** A real successful answer (./answer-examples.ts), the example of the 200 in /openapi.json. */
  example: Record<string, unknown>
  /** Live status (src/live): a write to one task, after which its pollers refresh at once. */
  changesTask?: true
  /** Live status: the task status that pollers read, identical reads coalesce and watch_task_status streams. */
  polled?: true
}

export type Resource<
  Name extends string = string,
  Method extends 'get' | 'post' = 'get' | 'post',
  Path extends string = string,
  Schema extends z.ZodObject = z.ZodObject,
  Data extends z.ZodType = z.ZodType,
> = Entry<Name, Method, Path, Schema, Data> & {
  esbPath: `${typeof ESB_PREFIX}${Name}`
  gatewayPath: `${typeof GATEWAY_PREFIX}${Path}`
  /** The ids the gateway form's path carries. */
  pathParams: readonly string[]
  /** The fields sent to the origin (JSON body of a POST, query of a GET): the schema's, less the path's. */
  forward: readonly string[]
}

const define = <
  const Name extends string,
  const Method extends 'get' | 'post',
  const Path extends string,
  Schema extends z.ZodObject,
  Data extends z.ZodType,
>(
  entry: Entry<Name, Method, Path, Schema, Data>,
): Resource<Name, Method, Path, Schema, Data> => {
  const pathParams = [...entry.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
  return {
    ...entry,
    esbPath: `${ESB_PREFIX}${entry.name}`,
    gatewayPath: `${GATEWAY_PREFIX}${entry.path}`,
    pathParams,
    forward: Object.keys(entry.schema.shape).filter((field) => !pathParams.includes(field)),
  }
}

/** SOPS's path on the origin for a validated call. */
export const originPath = (resource: Resource, input: Record<string, unknown>) =>
  `${ORIGIN_PREFIX}${resource.path.replace(/:(\w+)/g, (_, id: string) => String(input[id]))}/`

export const resources = [
  define({
    name: 'operate_node',
    summary: 'Operate a node of a task: retry, skip, callback, skip a failed gateway, pause or resume a subprocess, …',
    method: 'post',
    write: true,
    changesTask: true,
    path: 'operate_node/:bk_biz_id/:task_id',
    schema: schemas.operateNodeSchema,
    data: schemas.operationDoneSchema,
    example: examples.operateNodeAnswer,
  }),
  define({
    name: 'operate_task',
    summary: 'Start, pause, resume or revoke a task',
    method: 'post',
    write: true,
    changesTask: true,
    path: 'operate_task/:task_id/:bk_biz_id',
    schema: schemas.operateTaskSchema,
    data: schemas.operationDoneSchema,
    example: examples.operateTaskAnswer,
  }),
  define({
    name: 'node_callback',
    summary: 'Call back a node that waits for it, optionally for a given node version',
    method: 'post',
    write: true,
    changesTask: true,
    path: 'node_callback/:task_id/:bk_biz_id',
    schema: schemas.nodeCallbackSchema,
    data: schemas.operationDoneSchema,
    example: examples.nodeCallbackAnswer,
  }),
  define({
    name: 'get_task_status',
    summary: "A task's state and its node tree",
    method: 'get',
    write: false,
    polled: true,
    path: 'get_task_status/:task_id/:bk_biz_id',
    schema: schemas.getTaskStatusSchema,
    data: schemas.taskStatusSchema,
    example: examples.getTaskStatusAnswer,
  }),
  define({
    name: 'create_task',
    summary: 'Create a task from a flow template, with values for its constants',
    method: 'post',
    write: true,
    path: 'create_task/:template_id/:bk_biz_id',
    schema: schemas.createTaskSchema,
    data: schemas.taskCreatedSchema,
    example: examples.createTaskAnswer,
  }),
  define({
    name: 'create_and_start_task',
    summary: 'Create a task from a flow template and start it',
    method: 'post',
    write: true,
    path: 'create_and_start_task/:template_id/:bk_biz_id',
    schema: schemas.createAndStartTaskSchema,
    data: schemas.taskCreatedSchema,
    example: examples.createAndStartTaskAnswer,
  }),
  define({
    name: 'fast_create_task',
    summary: 'Create a one-off task from a pipeline tree',
    method: 'post',
    write: true,
    path: 'fast_create_task/:bk_biz_id',
    schema: schemas.fastCreateTaskSchema,
    data: schemas.taskCreatedSchema,
    example: examples.fastCreateTaskAnswer,
  }),
  define({
    name: 'start_task',
    summary: 'Start a task that has not started',
    method: 'post',
    write: true,
    changesTask: true,
    path: 'start_task/:task_id/:bk_biz_id',
    schema: schemas.startTaskSchema,
    data: schemas.taskStartedSchema,
    answerFields: ['task_url'],
    example: examples.startTaskAnswer,
  }),
  define({
    name: 'get_task_detail',
    summary: "A task's detail: its tree, constants, outputs and times",
    method: 'get',
    write: false,
    path: 'get_task_detail/:task_id/:bk_biz_id',
    schema: schemas.getTaskDetailSchema,
    data: schemas.taskDetailSchema,
    example: examples.getTaskDetailAnswer,
  }),
  define({
    name: 'get_task_node_detail',
    summary: "A node's execution: state, inputs, outputs and earlier attempts",
    method: 'get',
    write: false,
    path: 'get_task_node_detail/:task_id/:bk_biz_id',
    schema: schemas.getTaskNodeDetailSchema,
    data: schemas.nodeDetailSchema,
    example: examples.getTaskNodeDetailAnswer,
  }),
  define({
    name: 'get_task_node_log',
    summary: "A node's execution log, a page at a time",
    method: 'get',
    write: false,
    path: 'get_task_node_log/:task_id/:bk_biz_id',
    schema: schemas.getTaskNodeLogSchema,
    data: schemas.nodeLogSchema,
    answerFields: ['page'],
    example: examples.getTaskNodeLogAnswer,
  }),
  define({
    name: 'get_tasks_status',
    summary: 'The state of up to 50 tasks at once',
    method: 'post',
    write: false,
    path: 'get_tasks_status/:bk_biz_id',
    schema: schemas.getTasksStatusSchema,
    data: schemas.tasksStatusSchema,
    example: examples.getTasksStatusAnswer,
  }),
  define({
    name: 'get_tasks_manual_intervention_state',
    summary: 'Whether each of up to 9 tasks waits for an operator',
    method: 'post',
    write: false,
    path: 'get_tasks_manual_intervention_state/:bk_biz_id',
    schema: schemas.getTasksManualInterventionStateSchema,
    data: schemas.manualInterventionSchema,
    example: examples.getTasksManualInterventionStateAnswer,
  }),
  define({
    name: 'get_task_list',
    summary: "A business's tasks, newest first, filtered and paged",
    method: 'get',
    write: false,
    path: 'get_task_list/:bk_biz_id',
    schema: schemas.getTaskListSchema,
    data: schemas.taskListSchema,
    answerFields: ['count'],
    example: examples.getTaskListAnswer,
  }),
  define({
    name: 'get_template_list',
    summary: "A business's flow templates",
    method: 'get',
    write: false,
    path: 'get_template_list/:bk_biz_id',
    schema: schemas.getTemplateListSchema,
    data: schemas.templateListSchema,
    example: examples.getTemplateListAnswer,
  }),
  define({
    name: 'get_template_info',
    summary: 'A flow template with its tree and constants',
    method: 'get',
    write: false,
    path: 'get_template_info/:template_id/:bk_biz_id',
    schema: schemas.getTemplateInfoSchema,
    data: schemas.templateInfoSchema,
    example: examples.getTemplateInfoAnswer,
  }),
  define({
    name: 'get_user_project_list',
    summary: 'The projects the user may see',
    method: 'get',
    write: false,
    path: 'get_user_project_list',
    schema: schemas.getUserProjectListSchema,
    data: schemas.projectListSchema,
    example: examples.getUserProjectListAnswer,
  }),
] as const

export type ResourceName = (typeof resources)[number]['name']

/** Every resource's name, in the table's order (credential records and the CLI take them from here). */
export const RESOURCE_NAMES = resources.map((r) => r.name) as unknown as readonly [ResourceName, ...ResourceName[]]
