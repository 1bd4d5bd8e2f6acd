/**
 * The console's calls, through `sops-edge/client` exactly as an outside front-end makes them. Every
 * answer becomes one Outcome: SOPS's success or refusal, the gateway's error envelope, or no answer.
 */
import type { InferRequestType } from 'hono/client'
import { type Credentials, type ErrorEnvelope, type SopsClient, type TaskStatus, type WatchHandlers, sopsClient, taskWatcher } from 'sops-edge/client'

export interface TaskIds {
  bk_biz_id: string
  task_id: string
}

export type Outcome<T> =
  /** `answer` is SOPS's whole answer, for the fields beside `data` (get_task_list's `count`, a log's `page`). */
  | { kind: 'done'; message: string; data: T; answer: Record<string, unknown> }
  /** SOPS's own refusal, passed on as SOPS sent it (HTTP 200, result false). */
  | { kind: 'refused'; code: number; message: string }
  /** An error the gateway made; `retryAfter` (seconds) on a 429. */
  | { kind: 'error'; status: number; envelope: ErrorEnvelope; retryAfter: number | undefined }
  | { kind: 'unreachable'; message: string }

type Answer<T> = { result: true; message: string; data: T } | { result: false; code: number; message: string }

/** What settle needs of hono/client's typed response, whatever its status. */
interface Reply<T> {
  status: number
  headers: Headers
  json(): Promise<Answer<T> | ErrorEnvelope>
}

async function settle<T>(pending: Promise<Reply<T>>): Promise<Outcome<T>> {
  let reply: Reply<T>
  try {
    reply = await pending
  } catch (error) {
    return { kind: 'unreachable', message: error instanceof Error ? error.message : String(error) }
  }
  let body: Answer<T> | ErrorEnvelope
  try {
    body = await reply.json()
  } catch {
    return { kind: 'unreachable', message: `the gateway answered HTTP ${reply.status} without its JSON envelope` }
  }
  if ('code_name' in body) return { kind: 'error', status: reply.status, envelope: body, retryAfter: retryAfter(reply) }
  return body.result ? { kind: 'done', message: body.message, data: body.data, answer: body } : { kind: 'refused', code: body.code, message: body.message }
}

function retryAfter(reply: Reply<unknown>): number | undefined {
  if (reply.status !== 429) return undefined
  const seconds = Number(reply.headers.get('Retry-After') ?? reply.headers.get('X-Bkapi-RateLimit-Reset'))
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 1
}

/**
 * The console's calls with `credentials`. A 401 is the gateway refusing the access token (its grant
 * revoked: a sign-out elsewhere, `client revoke-grants`): `onTokenRefused` ends the session.
 */
export function gateway(credentials: Credentials, onTokenRefused: () => void) {
  const fetchNotingRefusal = async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await fetch(input, init)
    if (res.status === 401) onTokenRefused()
    return res
  }
  const prod = sopsClient(location.origin, credentials, { fetch: fetchNotingRefusal }).api['bk-sops'].prod
  const operateNode = prod.operate_node[':bk_biz_id'][':task_id']
  const operateTask = prod.operate_task[':task_id'][':bk_biz_id']
  const watcher = taskWatcher(location.origin, credentials, { fetch: fetchNotingRefusal })
  return {
    /** The task's status pushed as it changes (no polling), with the failed nodes' errors. */
    watch: (param: TaskIds, handlers: WatchHandlers) => watcher.watchTaskStatus({ ...param, with_ex_data: 'true' }, handlers),
    /** The task's tree, with the failed nodes' errors (`ex_data`). */
    status: (param: TaskIds) =>
      settle<TaskStatus>(prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param, query: { with_ex_data: 'true' } })),
    operateNode: (param: TaskIds, command: NodeCommand) => settle<string>(operateNode.$post({ param, json: command })),
    operateTask: (param: TaskIds, action: TaskAction) => settle<string>(operateTask.$post({ param, json: { action } })),
    /** A page of the business's tasks, newest first. */
    taskList: (bk_biz_id: string, page: { limit: number; offset: number }) =>
      settle(prod.get_task_list[':bk_biz_id'].$get({ param: { bk_biz_id }, query: { limit: String(page.limit), offset: String(page.offset) } })),
    /** The states of up to 50 tasks. */
    tasksStatus: (bk_biz_id: string, task_id_list: number[]) => settle(prod.get_tasks_status[':bk_biz_id'].$post({ param: { bk_biz_id }, json: { task_id_list } })),
    templates: (bk_biz_id: string) => settle(prod.get_template_list[':bk_biz_id'].$get({ param: { bk_biz_id } })),
    template: (bk_biz_id: string, template_id: string) => settle(prod.get_template_info[':template_id'][':bk_biz_id'].$get({ param: { bk_biz_id, template_id } })),
    /** `idempotencyKey` makes a repeated submission (a double click, a retry) create one task. */
    createTask: (bk_biz_id: string, template_id: string, json: NewTask, idempotencyKey: string) =>
      settle(prod.create_task[':template_id'][':bk_biz_id'].$post({ param: { bk_biz_id, template_id }, json }, { headers: { 'Idempotency-Key': idempotencyKey } })),
    startTask: (param: TaskIds, idempotencyKey: string) =>
      settle(prod.start_task[':task_id'][':bk_biz_id'].$post({ param, json: {} }, { headers: { 'Idempotency-Key': idempotencyKey } })),
    /** The task's web tree: its gateways with their outgoing flows and conditions. */
    taskDetail: (param: TaskIds) => settle(prod.get_task_detail[':task_id'][':bk_biz_id'].$get({ param })),
    /** `stack`: the subprocess nodes the node is inside, outermost first. */
    nodeDetail: (param: TaskIds, node_id: string, stack: readonly string[]) =>
      settle(
        prod.get_task_node_detail[':task_id'][':bk_biz_id'].$get({
          param,
          query: { node_id, ...(stack.length > 0 && { subprocess_stack: JSON.stringify(stack) }) },
        }),
      ),
    nodeLog: (param: TaskIds, node_id: string, version: string, page: { page: number; page_size: number }) =>
      settle(
        prod.get_task_node_log[':task_id'][':bk_biz_id'].$get({
          param,
          query: { node_id, version, page: String(page.page), page_size: String(page.page_size) },
        }),
      ),
  }
}

export type Gateway = ReturnType<typeof gateway>

type Prod = SopsClient['api']['bk-sops']['prod']
/** operate_node's fields, as the client types them. */
export type NodeCommand = InferRequestType<Prod['operate_node'][':bk_biz_id'][':task_id']['$post']>['json']
export type NodeAction = NodeCommand['action']
export type NewTask = Pick<InferRequestType<Prod['create_task'][':template_id'][':bk_biz_id']['$post']>['json'], 'name' | 'constants'>
export type TaskAction = InferRequestType<Prod['operate_task'][':task_id'][':bk_biz_id']['$post']>['json']['action']
