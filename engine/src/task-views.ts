/**
 * SOPS's task and template views beyond the node and task commands: create_task, create_and_start_task,
 * start_task, get_task_detail, get_task_node_detail, get_task_node_log, get_tasks_status,
 * get_tasks_manual_intervention_state, get_task_list, get_template_list, get_template_info and
 * get_user_project_list, with SOPS's texts for what they refuse.
 */
import { isJsonObject, type Json, type JsonObject } from './json.ts'
import type { Project } from './registry.ts'
import { CONTENT_NOT_EXIST, INVALID_OPERATION, REQUEST_PARAM_INVALID, SUCCESS } from './sops.ts'
import type { TaskSummary } from './task.ts'
import { createTask, parseTaskTree, registryOf, taskObject } from './tasks.ts'
import { findTemplate, instantiate, templatesOf, type Template } from './templates.ts'
import { type Call, type Route, findProject, projectMissing, reply, taskUrl } from './view.ts'

const ok = (call: Call, data: Json, extra: JsonObject = {}) => reply({ result: true, data, code: SUCCESS, ...extra }, call.traceId)
const refuse = (call: Call, message: string, code: number) => reply({ result: false, message, code }, call.traceId)

/** A business with demo templates has its project from the start; any other needs a task first (fast_create_task). */
async function projectOf(call: Call, key: string): Promise<Project | null> {
  if (call.scope === 'cmdb_biz' && templatesOf(key).length > 0) return registryOf(call.env).ensureBusinessProject(key)
  return findProject(call, key)
}

const taskMissing = (call: Call, view: string, taskId: string, project: Project) =>
  refuse(call, `[API] ${view} task[id=${taskId}] of project[project_id=${project.id}, biz_id${project.bizId}] does not exist`, CONTENT_NOT_EXIST)

// creating and starting --------------------------------------------------------------------------------------

async function createFromTemplate(call: Call, start: boolean): Promise<Response> {
  const { template_id: templateId = '', project_id: projectKey = '' } = call.params
  const project = await projectOf(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const { body } = call
  const callbackUrl = body.callback_url
  if (callbackUrl && !(typeof callbackUrl === 'string' && /^https?:\/\/\w.+$/.test(callbackUrl))) {
    return refuse(call, 'callback_url format error, must match ^https?://\\w.+$', REQUEST_PARAM_INVALID)
  }
  const template = findTemplate(project.bizId, templateId)
  if (!template) {
    return refuse(call, `template[id=${templateId}] of project[project_id=${project.id},biz_id=${project.bizId}] does not exist`, CONTENT_NOT_EXIST)
  }
  const { name, constants = {}, exclude_task_nodes_id: exclude = [] } = body
  if (typeof name !== 'string' || name === '' || !isJsonObject(constants) || !Array.isArray(exclude) || !exclude.every((id) => typeof id === 'string')) {
    return refuse(call, `task ${start ? 'parmas' : 'params'} is invalid: name, constants or exclude_task_nodes_id has the wrong type`, REQUEST_PARAM_INVALID)
  }
  const made = instantiate(template, constants, exclude)
  if ('error' in made) return refuse(call, made.error, REQUEST_PARAM_INVALID)
  const parsed = parseTaskTree(made.tree)
  if (!parsed.ok) return refuse(call, `[API] create_task create pipeline without tree error: ${parsed.message}`, 3599999)
  const callback = typeof callbackUrl === 'string' && callbackUrl !== '' ? { url: callbackUrl, ...(typeof body.callback_version === 'string' ? { version: body.callback_version } : {}) } : undefined
  const taskId = await createTask(call.env, { project, name, tree: made.tree, pipeline: parsed.pipeline, creator: call.operator, templateId: template.id, callback })
  if (start) await taskObject(call.env, taskId).start(project.id, call.operator)
  return ok(call, { task_id: taskId, task_url: taskUrl(project.id, taskId), pipeline_tree: made.tree })
}

async function startTask(call: Call): Promise<Response> {
  const { task_id: taskId = '', project_id: projectKey = '' } = call.params
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const answer = await taskObject(call.env, Number(taskId)).start(project.id, call.operator)
  if (!answer.missing && !answer.value.result) return refuse(call, answer.value.message, answer.value.code)
  // SOPS queues the start and answers at once; a task of another project is simply never started.
  const url = taskUrl(project.id, Number(taskId))
  return ok(call, { task_url: url }, { task_url: url })
}

// reading one task -------------------------------------------------------------------------------------------

async function getTaskDetail(call: Call): Promise<Response> {
  const { task_id: taskId = '', project_id: projectKey = '' } = call.params
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const answer = await taskObject(call.env, Number(taskId)).detail(project.id)
  if (answer.missing) return taskMissing(call, 'get_task_detail', taskId, project)
  const detail = JSON.parse(answer.value) as JsonObject
  return ok(call, { ...detail, project_name: project.name, task_url: taskUrl(project.id, Number(taskId)) })
}

async function getTaskNodeDetail(call: Call): Promise<Response> {
  const { task_id: taskId = '', project_id: projectKey = '' } = call.params
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const nodeId = call.query.get('node_id') ?? ''
  const answer = await taskObject(call.env, Number(taskId)).nodeDetail(project.id, nodeId)
  if (answer.missing) return taskMissing(call, 'get_task_node_detail', taskId, project)
  if (answer.value === undefined) return refuse(call, `node[node_id=${nodeId}] not found in task[task_id=${taskId}]`, REQUEST_PARAM_INVALID)
  return ok(call, JSON.parse(answer.value) as JsonObject, { message: '' })
}

const DEFAULT_PAGE_SIZE = 30

/** A DRF view without SOPS's return_json_response: no code on success, no trace_id. */
const drf = (body: JsonObject) => new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } })

async function getTaskNodeLog(call: Call): Promise<Response> {
  const { task_id: taskId = '', project_id: projectKey = '' } = call.params
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const nodeId = call.query.get('node_id') ?? ''
  const answer = await taskObject(call.env, Number(taskId)).nodeLog(project.id, nodeId, call.query.get('version') ?? '')
  if (answer.missing) {
    const message = `[API] get_task_node_log task[id=${taskId}] of project[project_id=${project.id}, biz_id=${project.bizId}] does not exist`
    return drf({ result: false, message, code: CONTENT_NOT_EXIST })
  }
  if (nodeId === '') return drf({ result: false, message: '[API] get_task_node_log node_id is required', code: REQUEST_PARAM_INVALID })
  if (answer.value === undefined) {
    return drf({ result: false, message: `[API] get_task_node_log task[id=${taskId}] does not have node[${nodeId}]`, code: CONTENT_NOT_EXIST })
  }
  const page = Number(call.query.get('page') ?? 1)
  const pageSize = Number(call.query.get('page_size') ?? DEFAULT_PAGE_SIZE)
  const lines = answer.value.slice((page - 1) * pageSize, page * pageSize)
  return drf({ result: true, message: 'success', data: lines.join('\n'), page: { page, page_size: pageSize, total: answer.value.length } })
}

// reading many tasks -----------------------------------------------------------------------------------------

/** The body's task_id_list as SOPS reads it; the tasks of other projects are left out. */
function taskIdList(call: Call): number[] | Response {
  const ids = call.body.task_id_list ?? []
  if (!Array.isArray(ids)) return refuse(call, 'task_id_list must be a list', REQUEST_PARAM_INVALID)
  return [...new Set(ids.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0))]
}

async function getTasksStatus(call: Call): Promise<Response> {
  const { project_id: projectKey = '' } = call.params
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const ids = taskIdList(call)
  if (ids instanceof Response) return ids
  if (ids.length > 50) return refuse(call, 'task_id_list is too long, maximum length is 50', REQUEST_PARAM_INVALID)
  const withChildren = call.body.include_children_status === true
  const data: JsonObject[] = []
  for (const id of ids) {
    const task = taskObject(call.env, id)
    const [summary, status] = await Promise.all([task.summary(project.id), task.status(project.id, { withExData: false })])
    if (summary.missing || status.missing) continue
    const { children, ...top } = JSON.parse(status.value) as JsonObject
    data.push({
      id,
      name: summary.value.name,
      status: { ...top, ...(withChildren && children !== undefined ? { children } : {}), name: summary.value.name },
      flow_type: 'common',
      current_flow: summary.value.current_flow,
      is_deleted: false,
      create_time: summary.value.create_time,
      start_time: summary.value.start_time,
      finish_time: summary.value.finish_time,
      url: taskUrl(project.id, id),
    })
  }
  return ok(call, data)
}

async function getTasksManualInterventionState(call: Call): Promise<Response> {
  const { project_id: projectKey = '' } = call.params
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const ids = taskIdList(call)
  if (ids instanceof Response) return ids
  if (ids.length >= 10) return refuse(call, 'task_ids_list length can not exceeds 10', REQUEST_PARAM_INVALID)
  const data: JsonObject[] = []
  for (const id of ids) {
    const answer = await taskObject(call.env, id).manualInterventionRequired(project.id)
    if (!answer.missing) data.push({ id, manual_intervention_required: answer.value })
  }
  return ok(call, data)
}

const DEFAULT_LIMIT = 100

/** get_task_list's filters, each applied only when the query names it, as SOPS does. */
function listFilter(query: URLSearchParams): (task: TaskSummary) => boolean {
  const flag = (name: string) => (query.has(name) ? query.get(name) === 'true' : undefined)
  const isStarted = flag('is_started')
  const isFinished = flag('is_finished')
  const templateIds = query.get('template_ids')?.split(',')
  return (task) =>
    (!query.has('keyword') || task.name.includes(query.get('keyword')!)) &&
    (isStarted === undefined || task.is_started === isStarted) &&
    (isFinished === undefined || task.is_finished === isFinished) &&
    (!query.has('executor') || task.executor === query.get('executor')) &&
    (!query.has('create_method') || task.create_method === query.get('create_method')) &&
    (!query.has('template_id') || task.template_id === query.get('template_id')) &&
    (!templateIds || templateIds.includes(task.template_id)) &&
    (!query.has('create_time_start') || (task.create_time ?? '') >= query.get('create_time_start')!) &&
    (!query.has('create_time_end') || (task.create_time ?? '') <= query.get('create_time_end')!)
}

async function getTaskList(call: Call): Promise<Response> {
  const { project_id: projectKey = '' } = call.params
  const project = await findProject(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const ids = await registryOf(call.env).taskIds(project.id)
  const summaries = await Promise.all(ids.map((id) => taskObject(call.env, id).summary(project.id)))
  const matching = summaries.flatMap((s) => (s.missing ? [] : [s.value])).filter(listFilter(call.query))
  const offset = Number(call.query.get('offset') ?? 0)
  const limit = Number(call.query.get('limit') ?? DEFAULT_LIMIT)
  const data = matching.slice(offset, offset + limit).map(({ current_flow: _, ...task }) => ({
    ...task,
    category: 'Default',
    bk_biz_id: Number(project.bizId),
    bk_biz_name: project.name,
    project_id: project.id,
    project_name: project.name,
    template_source: 'project',
    auth_actions: [],
  }))
  const withoutCount = call.query.get('without_count') === 'true'
  return ok(call, data, withoutCount ? {} : { count: matching.length })
}

// templates and projects -------------------------------------------------------------------------------------

const templateSummary = (template: Template, project: Project): JsonObject => ({
  id: template.id,
  name: template.name,
  creator: 'admin',
  create_time: '2024-01-01 00:00:00 +0800',
  editor: null,
  edit_time: '2024-01-01 00:00:00 +0800',
  category: template.category,
  bk_biz_id: Number(project.bizId),
  bk_biz_name: project.name,
  project_id: project.id,
  project_name: project.name,
})

async function getTemplateList(call: Call): Promise<Response> {
  const { project_id: projectKey = '' } = call.params
  const project = await projectOf(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const ids = call.query.get('id_in')?.split(',')
  const keyword = call.query.get('name_keyword')?.toLowerCase()
  const templates = templatesOf(project.bizId).filter(
    (t) => (!ids || ids.includes(String(t.id))) && (!keyword || t.name.toLowerCase().includes(keyword)),
  )
  return ok(call, templates.map((t) => templateSummary(t, project)))
}

async function getTemplateInfo(call: Call): Promise<Response> {
  const { template_id: templateId = '', project_id: projectKey = '' } = call.params
  const project = await projectOf(call, projectKey)
  if (!project) return projectMissing(call, projectKey)
  const template = findTemplate(project.bizId, templateId)
  if (!template) {
    return refuse(call, `template[id=${templateId}] of project[project_id=${project.id}, biz_id=${project.bizId}] does not exist`, CONTENT_NOT_EXIST)
  }
  return ok(call, { ...templateSummary(template, project), pipeline_tree: template.tree as JsonObject })
}

async function getUserProjectList(call: Call): Promise<Response> {
  const projects = await registryOf(call.env).projects()
  return ok(call, projects.map((p) => ({ project_id: p.id, bk_biz_id: Number(p.bizId), name: p.name })))
}

export const TASK_ROUTES: Route[] = [
  { method: 'POST', path: '/apigw/create_task/:template_id{\\d+}/:project_id{\\d+}', view: (call) => createFromTemplate(call, false) },
  { method: 'POST', path: '/apigw/create_and_start_task/:template_id{\\d+}/:project_id{\\d+}', view: (call) => createFromTemplate(call, true) },
  { method: 'POST', path: '/apigw/start_task/:task_id{\\d+}/:project_id{\\d+}', view: startTask },
  { method: 'GET', path: '/apigw/get_task_detail/:task_id{\\d+}/:project_id{\\d+}', view: getTaskDetail },
  { method: 'GET', path: '/apigw/get_task_node_detail/:task_id{\\d+}/:project_id{\\d+}', view: getTaskNodeDetail },
  { method: 'GET', path: '/apigw/get_task_node_log/:task_id{\\d+}/:project_id{\\d+}', view: getTaskNodeLog },
  { method: 'POST', path: '/apigw/get_tasks_status/:project_id{\\d+}', view: getTasksStatus },
  { method: 'POST', path: '/apigw/get_tasks_manual_intervention_state/:project_id{\\d+}', view: getTasksManualInterventionState },
  { method: 'GET', path: '/apigw/get_task_list/:project_id{\\d+}', view: getTaskList },
  { method: 'GET', path: '/apigw/get_template_list/:project_id{\\d+}', view: getTemplateList },
  { method: 'GET', path: '/apigw/get_template_info/:template_id{\\d+}/:project_id{\\d+}', view: getTemplateInfo },
  { method: 'GET', path: '/apigw/get_user_project_list', view: getUserProjectList },
]
