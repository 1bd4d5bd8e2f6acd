/**
 * SOPS's API surface (its `apigw/` views) for the reference engine: routing, the X-Bkapi-Jwt check,
 * project_inject, the per-view checks in SOPS's order, and SOPS's envelopes with their trace_id
 * (bk-apigw-reference §11.2, engine-reference §8).
 */
import { isJsonObject, parseJson, type Json, type JsonObject } from './json.ts'
import { verifyJwt } from './jwt.ts'
import type { Project } from './registry.ts'
import { CONTENT_NOT_EXIST, REQUEST_PARAM_INVALID, SUCCESS, UNKNOWN_ERROR, type CallbackCommand, type NodeCommand } from './sops.ts'
import { createTask, parseTaskTree, registryOf, taskObject } from './tasks.ts'

interface Call {
  env: Env
  traceId: string
  operator: string
  /** The ids in the path, in the path's order. */
  ids: string[]
  body: JsonObject
  query: URLSearchParams
  scope: string
}

interface Route {
  method: 'GET' | 'POST'
  path: RegExp
  view: (call: Call) => Promise<Response>
}

const ROUTES: Route[] = [
  { method: 'POST', path: /\/apigw\/operate_node\/(\d+)\/(\d+)\/?$/, view: operateNode },
  { method: 'POST', path: /\/apigw\/operate_task\/(\d+)\/(\d+)\/?$/, view: operateTask },
  { method: 'GET', path: /\/apigw\/get_task_status\/(\d+)\/(\d+)\/?$/, view: getTaskStatus },
  { method: 'POST', path: /\/apigw\/node_callback\/(\d+)\/(\d+)\/?$/, view: nodeCallback },
  { method: 'POST', path: /\/apigw\/fast_create_task\/(\d+)\/?$/, view: fastCreateTask },
]

const NOT_THROUGH_GATEWAY = 'This API can only be accessed through API gateway'

export async function handleEngineRequest(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url)
  const route = ROUTES.find((r) => r.path.test(url.pathname))
  if (!route) return new Response('Not Found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  // Django's require_POST / require_GET: 405 with an empty body.
  if (request.method !== route.method) return new Response(null, { status: 405, headers: { Allow: route.method } })

  const token = request.headers.get('X-Bkapi-Jwt')
  const claims = token ? await verifyJwt(token, env.APIGW_PUBLIC_KEY) : null
  if (!claims) return new Response(NOT_THROUGH_GATEWAY, { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })

  const traceId = request.headers.get('traceparent') || crypto.randomUUID().replaceAll('-', '')
  const username = claims.user?.username
  if (typeof username !== 'string' || username === '') {
    const message = 'username cannot be empty, make sure api gateway has sent correct params: '
    return reply({ result: false, message, code: REQUEST_PARAM_INVALID }, traceId, false)
  }

  // project_inject reads `scope` from the JSON body of a POST, from the query of a GET; a body it cannot
  // parse, too deeply nested ones included, is its "invalid param format".
  let body: JsonObject = {}
  if (route.method === 'POST') {
    const parsed = parseJson(await request.text())
    if (!isJsonObject(parsed)) return reply({ result: false, message: 'invalid param format', code: REQUEST_PARAM_INVALID }, traceId, false)
    body = parsed
  }
  const rawScope = route.method === 'POST' ? body.scope : url.searchParams.get('scope')
  const scope = rawScope === undefined || rawScope === null ? 'cmdb_biz' : typeof rawScope === 'string' ? rawScope : JSON.stringify(rawScope)
  const ids = (route.path.exec(url.pathname) ?? []).slice(1)
  return route.view({ env, traceId, operator: username, ids, body, query: url.searchParams, scope })
}

/** A JSON reply; the views' own answers carry trace_id, the inner decorators' and middleware's do not. */
function reply(body: JsonObject, traceId: string, withTraceId = true): Response {
  return new Response(JSON.stringify(withTraceId ? { ...body, trace_id: traceId } : body), {
    headers: { 'Content-Type': 'application/json', 'Sops-Trace-Id': traceId },
  })
}

const projectMissing = (call: Call, id: string) =>
  reply({ result: false, message: `project(${id}) with scope(${call.scope}) does not exist.`, code: CONTENT_NOT_EXIST }, call.traceId, false)

/** ObjectDoesNotExistExceptionMiddleware's answer. */
const middlewareDoesNotExist = (call: Call, djangoMessage: string) =>
  reply(
    { result: false, message: `数据不存在错误: 数据不存在错误, 错误内容 ${djangoMessage} | process_exception`, data: null, code: CONTENT_NOT_EXIST },
    call.traceId,
    false,
  )

const TASK_DOES_NOT_EXIST = 'TaskFlowInstance matching query does not exist.'

function findProject(call: Call, id: string): Promise<Project | null> {
  return registryOf(call.env).findProject(id, call.scope)
}

// views -----------------------------------------------------------------------------------------------------

async function operateNode(call: Call): Promise<Response> {
  const [projectKey = '', taskIdText = ''] = call.ids
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const { body } = call
  for (const field of ['data', 'inputs'] as const) {
    if (field in body && !isJsonObject(body[field])) {
      return reply({ result: false, message: `${field} field is not a valid object`, code: REQUEST_PARAM_INVALID }, call.traceId)
    }
  }
  const command: NodeCommand = pick(body, ['node_id', 'action', 'data', 'inputs', 'flow_id', 'flow_ids', 'converge_gateway_id'])
  const taskId = Number(taskIdText)
  const answer = await taskObject(call.env, taskId).nodeAction(project.id, command, call.operator)
  if (answer.missing) {
    const message = `task[id=${taskIdText}] of project[id=${project.id}] does not exist`
    return reply({ result: false, message, code: CONTENT_NOT_EXIST }, call.traceId)
  }
  if ('doesNotExist' in answer.value) return middlewareDoesNotExist(call, answer.value.doesNotExist)
  // operate_node masks every failure code as UNKNOWN_ERROR.
  const { result, message } = answer.value.result
  return reply({ result, message, code: result ? SUCCESS : UNKNOWN_ERROR }, call.traceId)
}

/** node_callback: the node's callback, optionally for a given version; SOPS's codes are not masked here. */
async function nodeCallback(call: Call): Promise<Response> {
  const [taskIdText = '', projectKey = ''] = call.ids
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const command: CallbackCommand = pick(call.body, ['node_id', 'callback_data', 'version'])
  const answer = await taskObject(call.env, Number(taskIdText)).nodeCallback(project.id, command, call.operator)
  if (answer.missing) {
    const message = `[API] node_callback task[id=${taskIdText}] of project[project_id=${project.id}, biz_id${project.bizId}] does not exist`
    return reply({ result: false, message, code: CONTENT_NOT_EXIST }, call.traceId)
  }
  if ('doesNotExist' in answer.value) return middlewareDoesNotExist(call, answer.value.doesNotExist)
  return reply({ ...answer.value.result }, call.traceId)
}

async function operateTask(call: Call): Promise<Response> {
  const [taskIdText = '', projectKey = ''] = call.ids
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const action = pythonText(call.body.action)
  const task = taskObject(call.env, Number(taskIdText))
  const answer =
    action === 'start' ? await task.start(project.id, call.operator) : await task.taskAction(project.id, action, call.operator)
  if (answer.missing) return middlewareDoesNotExist(call, TASK_DOES_NOT_EXIST)
  return reply({ ...answer.value }, call.traceId)
}

async function getTaskStatus(call: Call): Promise<Response> {
  const [taskIdText = '', projectKey = ''] = call.ids
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const subprocessId = call.query.get('subprocess_id') || undefined
  const withExData = Boolean(call.query.get('with_ex_data'))
  const answer = await taskObject(call.env, Number(taskIdText)).status(project.id, { subprocessId, withExData })
  if (answer.missing) {
    const message = `task[id=${taskIdText}] get status error: ${TASK_DOES_NOT_EXIST}`
    return reply({ result: false, message, code: UNKNOWN_ERROR }, call.traceId)
  }
  return reply({ result: true, data: JSON.parse(answer.value) as JsonObject, message: '', code: SUCCESS }, call.traceId)
}

async function fastCreateTask(call: Call): Promise<Response> {
  const [projectKey = ''] = call.ids
  // A business gets its project with its first task; a SOPS project id must exist already.
  const existing = call.scope === 'cmdb_biz' ? undefined : await findProject(call, projectKey)
  if (existing === null) return projectMissing(call, projectKey)
  const invalid = (message: string) => reply({ result: false, code: REQUEST_PARAM_INVALID, message }, call.traceId)
  const { name, pipeline_tree: tree } = call.body
  if (typeof name !== 'string' || name.trim() === '') return invalid('name field is required and must be a non-empty string')
  if (tree === undefined) return invalid('pipeline_tree field is required')
  const parsed = parseTaskTree(tree)
  if (!parsed.ok) return invalid(parsed.message)
  const project = existing ?? (await registryOf(call.env).ensureBusinessProject(projectKey))
  const taskId = await createTask(call.env, { project, name, tree, pipeline: parsed.pipeline, creator: call.operator })
  return reply(
    { result: true, code: SUCCESS, message: 'success', data: { task_id: taskId, task_url: '', pipeline_tree: tree } },
    call.traceId,
  )
}

function pick<K extends string>(body: JsonObject, keys: readonly K[]): Partial<Record<K, Json>> {
  return Object.fromEntries(keys.filter((key) => key in body).map((key) => [key, body[key] as Json])) as Partial<Record<K, Json>>
}

/** How Python's str.format shows a JSON value (None for a missing one). */
function pythonText(value: Json | undefined): string {
  if (value === undefined || value === null) return 'None'
  return typeof value === 'string' ? value : JSON.stringify(value)
}
