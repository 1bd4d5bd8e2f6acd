/**
 * The parameters of each SOPS resource (CONTRACT §2.1), and what SOPS answers in `data`. Each schema
 * is the one definition behind edge validation, the handler's types, the typed client and /openapi.json.
 */
import * as z from 'zod'

/** BlueKing's ids are 64-bit integers: at most 18 digits keeps every one exact in JavaScript too. */
const MAX_ID_DIGITS = 18

/** An id as text; /openapi.json documents the path's ids with it. */
export const ID_PATTERN = `^\\d{1,${MAX_ID_DIGITS}}$`

/** Ids arrive as JSON numbers or strings (path, query, ESB body); both are accepted. */
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

const jsonObject = (what: string) =>
  z.record(z.string(), z.unknown(), { error: `must be a JSON object (${what})` })

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

/** A rule that holds between fields; checked even when other fields are invalid, so every problem is named. */
const always = { when: () => true }

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
    z.refine((v) => v.action !== 'skip_exg' || v.flow_id !== undefined, {
      path: ['flow_id'],
      message: 'is required when action is skip_exg',
      ...always,
    }),
    z.refine((v) => v.action !== 'skip_cpg' || v.flow_ids !== undefined, {
      path: ['flow_ids'],
      message: 'is required when action is skip_cpg',
      ...always,
    }),
    z.refine((v) => v.action !== 'skip_cpg' || v.converge_gateway_id !== undefined, {
      path: ['converge_gateway_id'],
      message: 'is required when action is skip_cpg',
      ...always,
    }),
  )

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
