/**
 * The typed client against the real app. `npm test` type-checks this file first, so the
 * `@ts-expect-error` lines fail the run if the client ever stops rejecting a wrong call.
 */
import { env } from 'cloudflare:workers'
import { expect, it } from 'vitest'
import app from '../../src/http/app.ts'
import { sopsClient } from '../../src/http/client.ts'
import { exemptApp, fakeOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'

const code = uniqueCode()
await seedApp(code, { userExempt: true, resources: ['operate_node', 'get_task_status'] })
await seedToken('client-login-token', 'alice')

/** The app, with requests recorded as they reach it. */
function appFetch(seen: Request[] = [], cookie?: string) {
  return (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    if (cookie) request.headers.set('Cookie', cookie) // what the browser adds on the gateway's own origin
    seen.push(request.clone())
    return app.fetch(request, { ...env, ORIGIN_URL: fakeOrigin('ok') })
  }
}

const sops = sopsClient('https://gateway.test', { bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' }, { fetch: appFetch() })
const operateNode = sops.api['bk-sops'].prod.operate_node[':bk_biz_id'][':task_id']

it('operates a node and narrows the answer by status', async () => {
  const res = await operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'node_id', action: 'skip' } })
  expect(res.status).toBe(200)
  if (res.status !== 200) return
  const answer = await res.json()
  if (answer.result) {
    const data: string = answer.data
    expect(data).toBe('success')
  }
  expect(answer.request_id).toMatch(/^[0-9a-f-]{36}$/)
})

it('types the gateway error envelope on other statuses', async () => {
  const res = await operateNode.$post({ param: { bk_biz_id: '2', task_id: '0' }, json: { node_id: 'node_id', action: 'retry', inputs: { x: 1 } } })
  expect(res.status).toBe(400)
  if (res.status === 400) {
    const error = await res.json()
    expect(error.code_name).toBe('REQUEST_PARAM_INVALID')
    expect(error.errors?.[0]?.path).toBe('task_id')
  }
  const denied = await sops.api['bk-sops'].prod.operate_task[':task_id'][':bk_biz_id'].$post({
    param: { task_id: '12', bk_biz_id: '2' },
    json: { action: 'start' },
  })
  expect(denied.status).toBe(403)
})

it('reads a task status without a query', async () => {
  const res = await sops.api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param: { task_id: '12', bk_biz_id: '2' } })
  expect(res.status).toBe(200)
})

it('sends the app credentials in the JSON body of a POST with the login cookie, and refuses a GET rather than put them in its URL', async () => {
  const seen: Request[] = []
  const browser = sopsClient('https://gateway.test', { bk_app_code: code, bk_app_secret: 'secret', loginCookie: true }, { fetch: appFetch(seen, 'bk_token=client-login-token') })
  const operated = await browser.api['bk-sops'].prod.operate_node[':bk_biz_id'][':task_id'].$post({
    param: { bk_biz_id: '2', task_id: '12' },
    json: { node_id: 'node_id', action: 'skip' },
  })
  expect(operated.status).toBe(200)
  const [post] = seen
  expect(await post!.json()).toMatchObject({ node_id: 'node_id', bk_app_code: code, bk_app_secret: 'secret' })
  expect(post!.headers.get('Content-Type')).toBe('application/json')
  expect(post!.headers.has('X-Bkapi-Authorization')).toBe(false)
  await expect(browser.api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param: { task_id: '12', bk_biz_id: '2' } })).rejects.toThrow(
    /loginCookie a GET would carry the app secret in its URL/,
  )
  expect(seen).toHaveLength(1)
})

/** A credential's name or value anywhere in a URL. */
const CREDENTIAL_IN_URL = /bk_app_secret|bk_token|access_token|bk_app_code|bk_username|secret-value|token-value/

it('puts no credential in any URL it builds, in every call shape', async () => {
  const seen: Request[] = []
  const shapes = [
    { bk_app_code: code, bk_app_secret: 'secret-value', bk_token: 'token-value' },
    { bk_app_code: code, bk_app_secret: 'secret-value', bk_username: 'admin' },
    { bk_app_code: code, bk_app_secret: 'secret-value', loginCookie: true },
  ] as const
  for (const credentials of shapes) {
    const client = sopsClient('https://gateway.test', credentials, { fetch: appFetch(seen, 'bk_token=token-value') })
    const { prod } = client.api['bk-sops']
    const { sops: esb } = client.api.c.compapi.v2
    const param = { bk_biz_id: '2', task_id: '12' }
    const calls: (() => Promise<unknown>)[] = [
      () => prod.operate_node[':bk_biz_id'][':task_id'].$post({ param, json: { node_id: 'n', action: 'retry' } }),
      () => prod.operate_task[':task_id'][':bk_biz_id'].$post({ param, json: { action: 'start' } }),
      () => prod.node_callback[':task_id'][':bk_biz_id'].$post({ param, json: { node_id: 'n', callback_data: {} } }),
      () => prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param, query: { with_ex_data: 'true' } }),
      () => esb.operate_node.$post({ json: { ...param, node_id: 'n', action: 'retry' } }),
      () => esb.operate_task.$post({ json: { ...param, action: 'start' } }),
      () => esb.node_callback.$post({ json: { ...param, node_id: 'n' } }),
      () => esb.get_task_status.$get({ query: param }),
    ]
    for (const call of calls) await call().catch((error: unknown) => expect(error).toBeInstanceOf(TypeError))
  }
  expect(seen).toHaveLength(22) // every call of every shape, but the login cookie's two GETs, refused before sending
  for (const request of seen) expect(request.url).not.toMatch(CREDENTIAL_IN_URL)
})

it('keeps the caller\'s own headers beside X-Bkapi-Authorization', async () => {
  const seen: Request[] = []
  const traced = sopsClient('https://gateway.test', { bk_app_code: code, bk_app_secret: 'secret', bk_token: 'client-login-token' }, { fetch: appFetch(seen), headers: { 'X-Request-ID': 'trace-1' } })
  const res = await traced.api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param: { task_id: '12', bk_biz_id: '2' } })
  expect(res.status).toBe(200)
  expect(res.headers.get('X-Request-ID')).toBe('trace-1')
  expect(JSON.parse(seen[0]!.headers.get('X-Bkapi-Authorization')!)).toEqual({ bk_app_code: code, bk_app_secret: 'secret', bk_token: 'client-login-token' })
})

it('refuses credentials without the app, or without a user', () => {
  const missing = [{ bk_app_code: code, bk_username: 'admin' }, { bk_app_code: '', bk_app_secret: 's', bk_token: 't' }, { bk_app_code: code, bk_app_secret: 's' }]
  for (const credentials of missing) expect(() => sopsClient('https://gateway.test', credentials as never)).toThrow(TypeError)
})

it('serves the ESB form and GET queries with the same types', async () => {
  const status = await sops.api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({
    param: { task_id: '12', bk_biz_id: '2' },
    query: { with_ex_data: 'true' },
  })
  expect(status.status).toBe(200)
  const esb = await sops.api.c.compapi.v2.sops.operate_node.$post({ json: { bk_biz_id: '2', task_id: 12, node_id: 'n', action: 'retry' } })
  expect(esb.status).toBe(200)
})

/** An app allowed everything, on the reference engine: the task API's answers as they really come. */
const everything = await exemptApp()
const prod = sopsClient('https://gateway.test', { bk_app_code: everything.code, bk_app_secret: 'secret', bk_username: 'admin' }, {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init), env),
}).api['bk-sops'].prod

it('types the task API: parameters per resource, and each answer\'s data', async () => {
  const templates = await prod.get_template_list[':bk_biz_id'].$get({ param: { bk_biz_id: '2' }, query: { name_keyword: 'approval' } })
  if (templates.status !== 200) throw new Error(`status ${templates.status}`)
  const list = await templates.json()
  if (!list.result) throw new Error(list.message)
  const templateId: number = list.data[0]!.id
  // @ts-expect-error: a template's id is a number
  const wrongTemplateId: string = list.data[0]!.id

  const created = await prod.create_task[':template_id'][':bk_biz_id'].$post({
    param: { template_id: String(templateId), bk_biz_id: '2' },
    json: { name: 'typed client', constants: { '${version}': '3.0.0' }, callback_version: 'v2' },
  })
  if (created.status !== 200) throw new Error(`status ${created.status}`)
  const answer = await created.json()
  if (!answer.result) throw new Error(answer.message)
  const taskId: number = answer.data.task_id
  // @ts-expect-error: task_id is a number
  const wrongTaskId: string = answer.data.task_id
  const task = { task_id: String(taskId), bk_biz_id: '2' }

  const started = await prod.start_task[':task_id'][':bk_biz_id'].$post({ param: task, json: {} })
  expect(started.status).toBe(200)
  const statuses = await prod.get_tasks_status[':bk_biz_id'].$post({ param: { bk_biz_id: '2' }, json: { task_id_list: [taskId], include_children_status: true } })
  if (statuses.status !== 200) throw new Error(`status ${statuses.status}`)
  const watched = await statuses.json()
  if (!watched.result) throw new Error(watched.message)
  const state: string = watched.data[0]!.status.state
  expect(state).toBe('RUNNING')
  const waits = await prod.get_tasks_manual_intervention_state[':bk_biz_id'].$post({ param: { bk_biz_id: '2' }, json: { task_id_list: [taskId] } })
  if (waits.status !== 200) throw new Error(`status ${waits.status}`)
  const intervention = await waits.json()
  if (intervention.result) expect(intervention.data satisfies Array<{ id: number; manual_intervention_required: boolean }>).toEqual([{ id: taskId, manual_intervention_required: true }])

  const detail = await prod.get_task_detail[':task_id'][':bk_biz_id'].$get({ param: task })
  if (detail.status !== 200) throw new Error(`status ${detail.status}`)
  const read = await detail.json()
  if (read.result) expect(Object.keys(read.data.pipeline_tree)).toContain('activities')
  const node = await prod.get_task_node_detail[':task_id'][':bk_biz_id'].$get({ param: task, query: { node_id: 'approve' } })
  if (node.status !== 200) throw new Error(`status ${node.status}`)
  const approve = await node.json()
  if (!approve.result) throw new Error(approve.message)
  const histories: Array<Record<string, unknown>> = approve.data.histories
  expect(histories).toEqual([])
  const log = await prod.get_task_node_log[':task_id'][':bk_biz_id'].$get({ param: task, query: { node_id: 'approve', version: String(approve.data.version) } })
  if (log.status !== 200) throw new Error(`status ${log.status}`)
  const lines = await log.json()
  if (lines.result) expect(lines.data satisfies string).toMatch(/node approve started/)
  const projects = await prod.get_user_project_list.$get({ param: {}, query: {} })
  if (projects.status !== 200) throw new Error(`status ${projects.status}`)
  const mine = await projects.json()
  if (mine.result) expect(mine.data.map((project) => project.bk_biz_id)).toContain(2)
  expect([wrongTemplateId, wrongTaskId]).toEqual([templateId, taskId])
})

it('rejects wrong calls at compile time', () => {
  const calls = [
    // @ts-expect-error: not an action of operate_node
    () => operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'n', action: 'explode' } }),
    // @ts-expect-error: node_id is required
    () => operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { action: 'skip' } }),
    // @ts-expect-error: the path ids are required
    () => operateNode.$post({ json: { node_id: 'n', action: 'skip' } }),
    // @ts-expect-error: inputs must be an object
    () => operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'n', action: 'retry', inputs: 'x' } }),
    // @ts-expect-error: skip_exg names the flow to take
    () => operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'n', action: 'skip_exg' } }),
    // @ts-expect-error: skip_cpg names its flows…
    () => operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'n', action: 'skip_cpg', converge_gateway_id: 'c' } }),
    // @ts-expect-error: … and its converging gateway
    () => operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'n', action: 'skip_cpg', flow_ids: ['f'] } }),
    // @ts-expect-error: a callback carries its data
    () => operateNode.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'n', action: 'callback' } }),
    // @ts-expect-error: the ESB form holds the same rules
    () => sops.api.c.compapi.v2.sops.operate_node.$post({ json: { bk_biz_id: '2', task_id: 12, node_id: 'n', action: 'skip_exg' } }),
    // @ts-expect-error: a bk_token and a bk_username are never sent together
    () => sopsClient('https://gateway.test', { bk_app_code: 'a', bk_app_secret: 's', bk_token: 't', bk_username: 'u' }),
    // @ts-expect-error: there is no call without the app's credentials
    () => sopsClient('https://gateway.test', { bk_token: 't' }),
    // @ts-expect-error: a task needs a name
    () => prod.create_task[':template_id'][':bk_biz_id'].$post({ param: { template_id: '1', bk_biz_id: '2' }, json: { constants: {} } }),
    // @ts-expect-error: callback_version is v1 or v2
    () => prod.create_and_start_task[':template_id'][':bk_biz_id'].$post({ param: { template_id: '1', bk_biz_id: '2' }, json: { name: 't', callback_version: 'v3' } }),
    // @ts-expect-error: fast_create_task takes the tree as an object
    () => prod.fast_create_task[':bk_biz_id'].$post({ param: { bk_biz_id: '2' }, json: { name: 't', pipeline_tree: '{}' } }),
    // @ts-expect-error: the template's id is in the path
    () => prod.get_template_info[':template_id'][':bk_biz_id'].$get({ param: { bk_biz_id: '2' } }),
    // @ts-expect-error: get_tasks_status needs its list of task ids
    () => prod.get_tasks_status[':bk_biz_id'].$post({ param: { bk_biz_id: '2' }, json: {} }),
    // @ts-expect-error: a node's log is read for one of its versions
    () => prod.get_task_node_log[':task_id'][':bk_biz_id'].$get({ param: { task_id: '12', bk_biz_id: '2' }, query: { node_id: 'n' } }),
    // @ts-expect-error: get_task_list filters by a create_method SOPS knows
    () => prod.get_task_list[':bk_biz_id'].$get({ param: { bk_biz_id: '2' }, query: { create_method: 'fax' } }),
  ]
  expect(calls).toHaveLength(18)
})

it('accepts each action with the fields it requires', () => {
  const param = { bk_biz_id: '2', task_id: '12' }
  const calls = [
    () => operateNode.$post({ param, json: { node_id: 'n', action: 'skip_exg', flow_id: 'f' } }),
    () => operateNode.$post({ param, json: { node_id: 'n', action: 'skip_cpg', flow_ids: ['f'], converge_gateway_id: 'c' } }),
    () => operateNode.$post({ param, json: { node_id: 'n', action: 'callback', data: {} } }),
    () => operateNode.$post({ param, json: { node_id: 'n', action: 'retry' } }),
  ]
  expect(calls).toHaveLength(4)
})
