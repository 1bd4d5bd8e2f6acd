/**
 * The parameters of each SOPS resource (CONTRACT §2.1), and what SOPS answers in `data`. Each schema
 * is the one definition behind edge validation, the handler's types, the typed client and /openapi.json.
 */
import * as z from 'zod'
import { isRawNumber } from '../lib/exact-json.ts'

/** BlueKing's ids are 64-bit integers: at most 18 digits keeps every one exact in JavaScript too. */
const MAX_ID_DIGITS = 18

/** An id as text; /openapi.json documents the path's ids with it. */
export const ID_PATTERN = `^\\d{1,${MAX_ID_DIGITS}}$`

/**
 * Ids arrive as JSON numbers or strings (path, query, ESB body); both are accepted. A number a double
 * cannot hold exactly (../lib/exact-json.ts) is refused, naming the field: an id must never be rounded.
 */
const digits = (what: string) =>
  z
    .union([z.string(), z.number()], { error: `must be a string of digits (${what})` })
    .transform(String)
    .pipe(z.string().regex(new RegExp(ID_PATTERN), `must be 1 to ${MAX_ID_DIGITS} digits (${what})`))

const bizId = digits('a CMDB business id, or a SOPS project id with scope=project')

const taskId = z
  .union([z.string(), z.number()], { error: 'must be a positive integer' })
  .transform((v) => (typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : NaN))
  .pipe(
    z
      .int({ error: 'must be a positive integer' })
      .positive({ error: 'must be a positive integer' })
      .max(Number.MAX_SAFE_INTEGER, { error: `must be a positive integer no larger than ${Number.MAX_SAFE_INTEGER}` }),
  )

const scope = z
  .enum(['cmdb_biz', 'project'], { error: 'must be cmdb_biz or project' })
  .default('cmdb_biz')
  .describe('cmdb_biz: bk_biz_id is a CMDB business id (default); project: it is a SOPS project id')

const nodeId = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -')

/** A flow (an edge of the task's tree) is named like a node. */
const flowId = nodeId

/** More flows than a gateway could have; the bound comes first, so a huge list costs one problem, not one per item. */
const MAX_FLOWS = 100
const flowIds = z
  .array(z.unknown(), { error: 'must be a list of flow ids' })
  .min(1, 'must name at least one flow')
  .max(MAX_FLOWS, `must name at most ${MAX_FLOWS} flows`)
  .pipe(z.array(flowId))

/**
 * A JSON object. A number kept as its digits (../lib/exact-json.ts) is an object only to JavaScript: the
 * record check is shown the text it stands for, and refuses it.
 */
const jsonObject = (what: string) => {
  const record = z.record(z.string(), z.unknown(), { error: `must be a JSON object (${what})` })
  // Typed as the record it checks with: callers send, and /openapi.json documents, that record.
  return z.preprocess((value) => (isRawNumber(value) ? value.rawJSON : value), record) as unknown as typeof record
}

export const NODE_ACTIONS = [
  'callback',
  'skip_exg',
  'retry',
  'skip',
  'pause_subproc',
  'resume_subproc',
  'pause',
  'resume',
  'forced_fail',
  'retry_subprocess',
  'skip_cpg',
] as const

export const TASK_ACTIONS = ['start', 'pause', 'resume', 'revoke'] as const

const oneOf = (values: readonly string[]) => `must be one of ${values.join(', ')}`

/**
 * The fields a node action needs beside node_id (CONTRACT §2.1). The edge refuses a call without
 * them; the typed client's types require them (a union on `action`, see ActionRules).
 */
export const NODE_ACTION_FIELDS = {
  skip_exg: ['flow_id'],
  skip_cpg: ['flow_ids', 'converge_gateway_id'],
} as const

/**
 * What the typed client requires on top: a callback's `data`, optional at the edge (CONTRACT §2.1)
 * but always meant by a front-end that calls back.
 */
export const NODE_ACTION_FIELDS_TYPED = { ...NODE_ACTION_FIELDS, callback: ['data'] } as const

/** A rule that holds between fields; checked even when other fields are invalid, so every problem is named. */
const always = { when: () => true }

const actionFields = Object.entries(NODE_ACTION_FIELDS).flatMap(([action, fields]) => fields.map((field) => [action, field] as const))

export const operateNodeSchema = z
  .object({
    bk_biz_id: bizId,
    task_id: taskId,
    scope,
    node_id: nodeId,
    action: z.enum(NODE_ACTIONS, { error: oneOf(NODE_ACTIONS) }),
    data: jsonObject('callback data, for action callback').optional(),
    inputs: jsonObject('new inputs, for action retry').optional(),
    flow_id: flowId.optional(),
    flow_ids: flowIds.optional(),
    converge_gateway_id: nodeId.optional(),
  })
  .check(
    ...actionFields.map(([action, field]) =>
      z.refine<{ action: string } & Partial<Record<typeof field, unknown>>>((v) => v.action !== action || v[field] !== undefined, {
        path: [field],
        message: `is required when action is ${action}`,
        ...always,
      }),
    ),
  )

/** The fields `action` requires, as NODE_ACTION_FIELDS_TYPED lists them. */
type RequiredBy<A> = A extends keyof typeof NODE_ACTION_FIELDS_TYPED ? (typeof NODE_ACTION_FIELDS_TYPED)[A][number] : never

/**
 * Parameters with an `action` as a union on it, each member with the fields its action requires made
 * required: `{ action: 'skip_exg' }` without `flow_id` does not compile. Other parameters stay as they are.
 */
export type ActionRules<T> = T extends { action: infer Action extends string }
  ? { [A in Action]: Omit<T, 'action' | RequiredBy<A>> & { [F in RequiredBy<A> & keyof T]-?: Exclude<T[F], undefined> } & { action: A } }[Action]
  : T

export const operateTaskSchema = z.object({
  bk_biz_id: bizId,
  task_id: taskId,
  scope,
  action: z.enum(TASK_ACTIONS, { error: oneOf(TASK_ACTIONS) }),
})

export const nodeCallbackSchema = z.object({
  bk_biz_id: bizId,
  task_id: taskId,
  scope,
  node_id: nodeId,
  callback_data: z.unknown().optional().describe("what the waiting node receives (pause_node: outputs.callback_data)"),
  version: z
    .string({ error: 'must be a string' })
    .regex(/^v[0-9a-f]{32}$/, 'must be a node version: v followed by 32 hex digits')
    .optional()
    .describe("the node state version the callback is for; default the current one, a stale one is refused"),
})

export const getTaskStatusSchema = z.object({
  bk_biz_id: bizId,
  task_id: taskId,
  scope,
  subprocess_id: nodeId.optional(),
  with_ex_data: z
    .union([z.boolean(), z.string()], { error: 'must be a boolean or a string' })
    .optional()
    .describe('any non-empty value adds ex_data of the failed nodes, as SOPS does'),
})

// ---- Creating and starting tasks ----

const templateId = digits('a flow template id')

/** SOPS's TASK_NAME_MAX_LENGTH. */
const TASK_NAME_MAX = 100
const taskName = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(TASK_NAME_MAX, `must be at most ${TASK_NAME_MAX} characters`)

/** More nodes than any template has; a huge list costs one problem, not one per item. */
const MAX_NODES = 500
const nodeIds = (what: string) =>
  z
    .array(z.unknown(), { error: `must be a list of node ids (${what})` })
    .max(MAX_NODES, `must name at most ${MAX_NODES} nodes`)
    .pipe(z.array(nodeId))

/** A template's constants are keyed `${name}`; their values are any JSON. */
const MAX_CONSTANTS = 200
const constants = z
  .record(z.string().regex(/^\$\{[^{}]{1,128}\}$/, 'must be a constant key such as ${name}'), z.unknown(), {
    error: 'must be a JSON object of constant values by key (${name})',
  })
  .check(z.maxSize(MAX_CONSTANTS, `must set at most ${MAX_CONSTANTS} constants`))
  .describe("values for the template's constants, by key, e.g. {\"${bk_timing}\": \"2\"}")

const TEMPLATE_SOURCES = ['business', 'project', 'common'] as const
const templateSource = z.enum(TEMPLATE_SOURCES, { error: oneOf(TEMPLATE_SOURCES) })

const FLOW_TYPES = ['common', 'common_func'] as const

/** SOPS's CALLBACK_URL_PATTERN, and a length no URL needs to pass. */
const CALLBACK_URL_MAX = 1024
const CALLBACK_VERSIONS = ['v1', 'v2'] as const

const MAX_DESCRIPTION = 1000

const templateTaskFields = {
  bk_biz_id: bizId,
  template_id: templateId,
  scope,
  name: taskName,
  template_source: templateSource.optional().describe('business (default), project or common'),
  flow_type: z.enum(FLOW_TYPES, { error: oneOf(FLOW_TYPES) }).optional(),
  constants: constants.optional(),
  exclude_task_nodes_id: nodeIds('nodes the task leaves out').optional(),
  description: z.string({ error: 'must be a string' }).max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`).optional(),
  callback_url: z
    .string({ error: 'must be a string' })
    .max(CALLBACK_URL_MAX, `must be at most ${CALLBACK_URL_MAX} characters`)
    .regex(/^https?:\/\/\w.+$/, 'must be an http(s) URL (SOPS: ^https?://\\w.+$)')
    .optional()
    .describe("SOPS POSTs the task's outcome here when it finishes"),
  callback_version: z
    .enum(CALLBACK_VERSIONS, { error: oneOf(CALLBACK_VERSIONS) })
    .optional()
    .describe('v2: the callback is a JSON body with the outputs; otherwise a form'),
}

export const createTaskSchema = z.object({
  ...templateTaskFields,
  execute_task_nodes_id: nodeIds('the only nodes the task runs').optional(),
})

export const createAndStartTaskSchema = z.object(templateTaskFields)

/** A SOPS web tree (engine-reference §5.1); the origin checks its shape, the edge only its size. */
const MAX_TREE_NODES = 1000
const pipelineTree = jsonObject('a SOPS pipeline tree').check(
  z.refine((tree) => {
    const activities = tree.activities
    return typeof activities !== 'object' || activities === null || Object.keys(activities).length <= MAX_TREE_NODES
  }, `must have at most ${MAX_TREE_NODES} activities`),
)

const TEMPLATE_CATEGORIES = ['OpsTools', 'MonitorAlarm', 'ConfManage', 'DevTools', 'EnterpriseIT', 'OfficeApp', 'Other'] as const

export const fastCreateTaskSchema = z.object({
  bk_biz_id: bizId,
  scope,
  name: taskName,
  pipeline_tree: pipelineTree,
  flow_type: z.enum(FLOW_TYPES, { error: oneOf(FLOW_TYPES) }).optional(),
  description: z.string({ error: 'must be a string' }).max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`).optional(),
  category: z.enum(TEMPLATE_CATEGORIES, { error: oneOf(TEMPLATE_CATEGORIES) }).optional(),
})

export const startTaskSchema = z.object({ bk_biz_id: bizId, task_id: taskId, scope })

// ---- Reading tasks ----

/** A boolean flag as SOPS's serializers read it; sent on as "true" or "false" so that a false filter still filters. */
const FLAG_TEXTS = ['true', 'false', 'True', 'False', '1', '0'] as const
const flag = z
  .union([z.boolean(), z.enum(FLAG_TEXTS)], { error: 'must be true or false' })
  .transform((v) => (v === true || v === 'true' || v === 'True' || v === '1' ? 'true' : 'false'))

const taskIdList = (max: number, why: string) =>
  z
    .array(z.unknown(), { error: 'must be a list of task ids' })
    .max(max, `must name at most ${max} tasks (${why})`)
    .pipe(z.array(taskId))

export const getTaskDetailSchema = z.object({
  bk_biz_id: bizId,
  task_id: taskId,
  scope,
  include_children_status: flag.optional(),
})

const MAX_SUBPROCESS_DEPTH = 16
export const getTaskNodeDetailSchema = z.object({
  bk_biz_id: bizId,
  task_id: taskId,
  scope,
  node_id: nodeId,
  component_code: z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9_]{1,64}$/, 'must be 1 to 64 characters of A-Z, a-z, 0-9 or _').optional(),
  subprocess_stack: z
    .string({ error: 'must be a JSON list of subprocess node ids' })
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON list of subprocess node ids' })
        return z.NEVER
      }
    })
    .pipe(
      z
        .array(nodeId, { error: 'must be a JSON list of subprocess node ids' })
        .max(MAX_SUBPROCESS_DEPTH, `must name at most ${MAX_SUBPROCESS_DEPTH} subprocesses`),
    )
    .transform((stack) => JSON.stringify(stack))
    .optional()
    .describe('the subprocess nodes the node is inside, outermost first, as a JSON list: ["sub1"]'),
  loop: z
    .union([z.string(), z.number()], { error: 'must be a positive integer' })
    .transform(String)
    .pipe(z.string().regex(/^[1-9]\d{0,5}$/, 'must be a positive integer of at most 6 digits'))
    .optional(),
})

const pageNumber = (max: number) =>
  z
    .union([z.string(), z.number()], { error: `must be an integer from 1 to ${max}` })
    .transform(String)
    .pipe(z.string().regex(/^[1-9]\d*$/, `must be an integer from 1 to ${max}`))
    .refine((v) => Number(v) <= max, `must be an integer from 1 to ${max}`)

export const getTaskNodeLogSchema = z.object({
  bk_biz_id: bizId,
  task_id: taskId,
  scope,
  node_id: nodeId,
  version: z
    .string({ error: 'must be a string' })
    .regex(/^v?[0-9a-f]{32}$/, 'must be a node version: 32 hex digits, optionally after v')
    .describe("the node's execution version (get_task_node_detail's histories and version)"),
  page: pageNumber(100_000).optional(),
  page_size: pageNumber(1000).optional(),
})

/** SOPS refuses more than 50. */
export const getTasksStatusSchema = z.object({
  bk_biz_id: bizId,
  scope,
  task_id_list: taskIdList(50, 'SOPS answers at most 50'),
  include_children_status: z.boolean({ error: 'must be true or false' }).optional(),
})

/** SOPS refuses 10 or more. */
export const getTasksManualInterventionStateSchema = z.object({
  bk_biz_id: bizId,
  scope,
  task_id_list: taskIdList(9, 'SOPS refuses 10 or more'),
})

const keyword = z.string({ error: 'must be a string' }).max(128, 'must be at most 128 characters')
const CREATE_METHODS = ['app', 'api', 'app_maker', 'periodic', 'clocked', 'mobile', 'mcp'] as const
const MAX_TEMPLATE_IDS = 100
const idList = (what: string) =>
  z
    .string({ error: `must be ids separated by commas (${what})` })
    .regex(new RegExp(`^\\d{1,${MAX_ID_DIGITS}}(,\\d{1,${MAX_ID_DIGITS}}){0,${MAX_TEMPLATE_IDS - 1}}$`), `must be 1 to ${MAX_TEMPLATE_IDS} ids separated by commas (${what})`)
const timezone = z.string({ error: 'must be a string' }).regex(/^[A-Za-z_+\-/0-9]{1,64}$/, 'must be a timezone name such as Asia/Shanghai')
const listTime = z
  .string({ error: 'must be a string' })
  .regex(/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}( ?[+-]\d{4}|Z)?)?$/, 'must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (with an optional +HHMM) or YYYY-MM-DDTHH:MM:SSZ')

export const getTaskListSchema = z.object({
  bk_biz_id: bizId,
  scope,
  keyword: keyword.optional().describe("part of the task's name"),
  is_started: flag.optional(),
  is_finished: flag.optional(),
  executor: z.string({ error: 'must be a string' }).max(128, 'must be at most 128 characters').optional(),
  create_method: z.enum(CREATE_METHODS, { error: oneOf(CREATE_METHODS) }).optional(),
  template_id: templateId.optional(),
  template_ids: idList('template ids').optional(),
  is_child_taskflow: flag.optional(),
  expected_timezone: timezone.optional(),
  create_time_start: listTime.optional(),
  create_time_end: listTime.optional(),
  limit: pageNumber(200).optional().describe('default 100, at most 200'),
  offset: z
    .union([z.string(), z.number()], { error: 'must be a non-negative integer' })
    .transform(String)
    .pipe(z.string().regex(/^\d{1,9}$/, 'must be a non-negative integer of at most 9 digits'))
    .optional(),
  without_count: flag.optional(),
})

const templateFlags = {
  include_executor_proxy: flag.optional(),
  include_subprocess: flag.optional(),
  include_constants: flag.optional(),
  include_notify: flag.optional(),
}

export const getTemplateListSchema = z.object({
  bk_biz_id: bizId,
  scope,
  template_source: templateSource.optional(),
  id_in: idList('template ids').optional(),
  name_keyword: keyword.optional(),
  ...templateFlags,
  include_labels: flag.optional(),
  expected_timezone: timezone.optional(),
})

const TREE_FORMATS = ['json', 'yaml'] as const
export const getTemplateInfoSchema = z.object({
  bk_biz_id: bizId,
  template_id: templateId,
  scope,
  template_source: templateSource.optional(),
  ...templateFlags,
  unfold_subprocess: flag.optional(),
  format: z.enum(TREE_FORMATS, { error: oneOf(TREE_FORMATS) }).optional(),
})

export const getUserProjectListSchema = z.object({
  include_executor_proxy: flag.optional(),
})

// ---- What SOPS answers (documented and typed, never enforced on the origin's answer) ----

/** SOPS's success, with the resource's `data`. */
export const answerSchema = <Data extends z.ZodType>(data: Data) =>
  z.object({ result: z.literal(true), code: z.literal(0), message: z.string(), data, request_id: z.string(), trace_id: z.string().optional() })

/** SOPS's own refusal, passed on as SOPS sent it (HTTP 200). */
export const sopsErrorSchema = z.object({
  result: z.literal(false),
  code: z.int().describe("SOPS's error code"),
  message: z.string(),
  data: z.null(),
  request_id: z.string(),
  trace_id: z.string().optional(),
})

/** operate_node, operate_task and node_callback answer SOPS's plain `"success"`. */
export const operationDoneSchema = z.string().describe('"success" when SOPS accepted the operation')

const statusTime = z
  .string()
  .nullable()
  .describe('"%Y-%m-%d %H:%M:%S %z" in SOPS\'s timezone, e.g. "2024-05-01 10:00:00 +0800"; null before it happened')

/**
 * One entry of get_task_status's tree, in SOPS's legacy format (engine-reference §6.1): the task
 * itself, and under `children` every node that has been reached, subprocesses with their own children.
 * An EXPIRED task has only `state`.
 */
export const taskStatusSchema = z.object({
  id: z.string().optional().describe("node id (the task's pipeline id at the top); absent before the task starts"),
  state: z
    .string()
    .describe('CREATED, READY, RUNNING, SUSPENDED, NODE_SUSPENDED (a child is paused), BLOCKED, FINISHED, FAILED (a node failed), REVOKED or EXPIRED'),
  'root_id:': z.string().optional().describe("the task's pipeline id (SOPS's key, colon included)"),
  parent_id: z.string().optional(),
  version: z.string().optional().describe('the node state version node_callback may name'),
  loop: z.int().optional(),
  retry: z.int().optional().describe('how many times the node was retried'),
  skip: z.union([z.boolean(), z.int()]).optional().describe('whether the node was skipped (0 before the task starts)'),
  error_ignorable: z.boolean().optional(),
  error_ignored: z.boolean().optional(),
  elapsed_time: z.int().optional().describe('seconds'),
  start_time: statusTime.optional(),
  finish_time: statusTime.optional(),
  name: z.string().optional().describe('the task name at the top; activity and subprocess names below; "" for events and gateways'),
  get children() {
    return z.record(z.string(), taskStatusSchema).optional().describe('the entries below this one, by node id')
  },
  ex_data: z.record(z.string(), z.unknown()).optional().describe("with with_ex_data, on a FAILED task: each failed node's error, by node id"),
})

export type TaskStatus = z.infer<typeof taskStatusSchema>

/** create_task, create_and_start_task and fast_create_task: the new task. */
export const taskCreatedSchema = z.looseObject({
  task_id: z.int(),
  task_url: z.string(),
  pipeline_tree: z.record(z.string(), z.unknown()).describe("the task's tree (SOPS's web format)"),
})

/** start_task: the task's page (start_task also repeats it at the top of its answer). */
export const taskStartedSchema = z.object({ task_url: z.string() })

export const taskDetailSchema = z
  .looseObject({
    id: z.int(),
    name: z.string(),
    creator: z.string(),
    executor: z.string(),
    project_id: z.int(),
    template_id: z.union([z.int(), z.string()]),
    create_time: z.string(),
    start_time: z.string().nullable(),
    finish_time: z.string().nullable(),
    elapsed_time: z.int(),
    constants: z.record(z.string(), z.unknown()),
    outputs: z.array(z.record(z.string(), z.unknown())),
    pipeline_tree: z.record(z.string(), z.unknown()).describe('the web tree: activities, gateways (with their outgoing flows), flows, constants'),
  })
  .describe("the task's detail")

export const nodeDetailSchema = z
  .looseObject({
    id: z.string(),
    state: z.string(),
    skip: z.boolean(),
    retry: z.int(),
    inputs: z.record(z.string(), z.unknown()),
    outputs: z.array(z.record(z.string(), z.unknown())),
    ex_data: z.unknown(),
    histories: z.array(z.record(z.string(), z.unknown())),
    start_time: z.string().nullable(),
    finish_time: z.string().nullable(),
    elapsed_time: z.int(),
  })
  .describe("a node's last execution, its inputs and outputs, and its earlier attempts")

export const nodeLogSchema = z.string().describe('the log as plain text; SOPS puts `page: {page, page_size, total}` beside data')

export const tasksStatusSchema = z.array(
  z.looseObject({
    id: z.int(),
    name: z.string(),
    status: taskStatusSchema,
    flow_type: z.string(),
    current_flow: z.string(),
    is_deleted: z.boolean(),
    create_time: z.string(),
    start_time: z.string().nullable(),
    finish_time: z.string().nullable(),
    url: z.string(),
  }),
)

export const manualInterventionSchema = z.array(z.object({ id: z.int(), manual_intervention_required: z.boolean() }))

export const taskListSchema = z
  .array(
    z.looseObject({
      id: z.int(),
      name: z.string(),
      creator: z.string(),
      executor: z.string(),
      bk_biz_id: z.int(),
      project_id: z.int(),
      template_id: z.string(),
      create_method: z.string(),
      is_started: z.boolean(),
      is_finished: z.boolean(),
      create_time: z.string(),
      start_time: z.string().nullable(),
      finish_time: z.string().nullable(),
    }),
  )
  .describe('newest first; SOPS puts `count` (all matching tasks) beside data unless without_count')

const templateSummary = {
  id: z.int(),
  name: z.string(),
  creator: z.string(),
  create_time: z.string(),
  editor: z.string().nullable(),
  edit_time: z.string(),
  category: z.string(),
  bk_biz_id: z.int(),
  bk_biz_name: z.string(),
}

export const templateListSchema = z.array(z.looseObject(templateSummary))

export const templateInfoSchema = z.looseObject({
  ...templateSummary,
  pipeline_tree: z.record(z.string(), z.unknown()).describe("the template's web tree, its constants with their types and defaults"),
})

export const projectListSchema = z.array(z.looseObject({ project_id: z.int(), bk_biz_id: z.int(), name: z.string() }))
