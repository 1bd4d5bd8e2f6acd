/**
 * SOPS's API surface (its `apigw/` views) for the reference engine: routing, the X-Bkapi-Jwt check,
 * project_inject, the per-view checks in SOPS's order, and SOPS's envelopes with their trace_id
 * (bk-apigw-reference §11.2, engine-reference §8).
 */
import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import { getPathNoStrict } from 'hono/utils/url'
import { isJsonObject, parseJson, type Json, type JsonObject } from './json.ts'
import { type JwtClaims, verifyJwt } from './jwt.ts'
import { CONTENT_NOT_EXIST, REQUEST_PARAM_INVALID, SUCCESS, UNKNOWN_ERROR, type CallbackCommand, type NodeCommand } from './sops.ts'
import { createTask, parseTaskTree, registryOf, taskObject } from './tasks.ts'
import { TASK_ROUTES } from './task-views.ts'
import { type Call, type Route, findProject, pick, projectMissing, reply } from './view.ts'

const ROUTES: Route[] = [
  { method: 'POST', path: '/apigw/operate_node/:project_id{\\d+}/:task_id{\\d+}', view: operateNode },
  { method: 'POST', path: '/apigw/operate_task/:task_id{\\d+}/:project_id{\\d+}', view: operateTask },
  { method: 'GET', path: '/apigw/get_task_status/:task_id{\\d+}/:project_id{\\d+}', view: getTaskStatus },
  { method: 'POST', path: '/apigw/node_callback/:task_id{\\d+}/:project_id{\\d+}', view: nodeCallback },
  { method: 'POST', path: '/apigw/fast_create_task/:project_id{\\d+}', view: fastCreateTask },
  ...TASK_ROUTES,
]

const NOT_THROUGH_GATEWAY = 'This API can only be accessed through API gateway'

type Engine = { Bindings: Env; Variables: { claims: JwtClaims } }

/** apigw-manager's check: a call without an X-Bkapi-Jwt the gateway's key verifies is refused (bk-apigw-reference §8.2). */
const throughGatewayOnly = createMiddleware<Engine>(async (c, next) => {
  const token = c.req.header('X-Bkapi-Jwt')
  const claims = token ? await verifyJwt(token, c.env.APIGW_PUBLIC_KEY) : null
  if (!claims) return c.text(NOT_THROUGH_GATEWAY, 403)
  c.set('claims', claims)
  await next()
})

// SOPS serves its API below any prefix (e.g. /o/bk_sops/): routes match from `/apigw/` on, with or
// without a trailing slash (Hono's non-strict paths).
const api = new Hono<Engine>({ getPath: (request) => getPathNoStrict(request).replace(/^.*?(?=\/apigw\/)/, '') })
api.notFound((c) => c.text('Not Found', 404))
for (const route of ROUTES) {
  api.on(route.method, route.path, throughGatewayOnly, (c) => serve(c.req.raw, c.env, c.get('claims'), route, c.req.param()))
  // Django's require_POST / require_GET: 405 with an empty body.
  api.all(route.path, () => new Response(null, { status: 405, headers: { Allow: route.method } }))
}

export const handleEngineRequest = (request: Request, env: Env): Promise<Response> => Promise.resolve(api.fetch(request, env))

async function serve(request: Request, env: Env, claims: JwtClaims, route: Route, params: Record<string, string>): Promise<Response> {
  const url = new URL(request.url)
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
  return route.view({ env, traceId, operator: username, params, body, query: url.searchParams, scope })
}

/** ObjectDoesNotExistExceptionMiddleware's answer. */
const middlewareDoesNotExist = (call: Call, djangoMessage: string) =>
  reply(
    { result: false, message: `数据不存在错误: 数据不存在错误, 错误内容 ${djangoMessage} | process_exception`, data: null, code: CONTENT_NOT_EXIST },
    call.traceId,
    false,
  )

const TASK_DOES_NOT_EXIST = 'TaskFlowInstance matching query does not exist.'

// views -----------------------------------------------------------------------------------------------------

async function operateNode(call: Call): Promise<Response> {
  const { project_id: projectKey = '', task_id: taskIdText = '' } = call.params
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
  const { task_id: taskIdText = '', project_id: projectKey = '' } = call.params
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
  const { task_id: taskIdText = '', project_id: projectKey = '' } = call.params
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
  const { task_id: taskIdText = '', project_id: projectKey = '' } = call.params
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
  const { project_id: projectKey = '' } = call.params
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

/** How Python's str.format shows a JSON value (None for a missing one). */
function pythonText(value: Json | undefined): string {
  if (value === undefined || value === null) return 'None'
  return typeof value === 'string' ? value : JSON.stringify(value)
}
