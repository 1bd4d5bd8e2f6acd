/**
 * A task's whole life through the gateway and the reference engine, every step real: created from a
 * demo template with constants and a left-out node, started, watched with get_tasks_status until it
 * finishes, its detail, a node's detail and log read, and its callback_url POSTed to (a local server).
 */
import { inject } from 'vitest'
import { describe, expect, it } from 'vitest'
import { authHeader, call, seedApp, seedToken, uniqueCode } from './helpers.ts'

const code = uniqueCode('lifecycle')
await seedApp(code, { rateLimits: [{ tokens: 10_000, period: 1 }] })
await seedToken('lifecycle-token', 'admin')
const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_token: 'lifecycle-token' })

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are walked as plain JSON
type Answer = { result: boolean; code: number; message: string; data: any; [field: string]: any }

async function gateway(path: string, body?: Record<string, unknown>): Promise<Answer> {
  const res = await call(`/api/bk-sops/prod/${path}`, { headers, ...(body ? { body } : {}) })
  expect(res.status, path).toBe(200)
  return res.json()
}

const callbackAt = (name: string) => `${inject('originUrl')}/__callbacks/${name}`
const received = async (name: string) => (await fetch(callbackAt(name))).json() as Promise<{ contentType: string; body: string } | null>

describe('a task from a template, through the gateway', () => {
  it('is created, started, watched to the end, inspected, and calls back', async () => {
    const templates = await gateway('get_template_list/2/')
    expect(templates.data.map((t: { id: number }) => t.id)).toContain(1)
    const info = await gateway('get_template_info/1/2/')
    expect(Object.keys(info.data.pipeline_tree.constants)).toEqual(['${release}', '${notes}', '${bk_timing}'])

    const hook = uniqueCode('hook')
    const created = await gateway('create_task/1/2/', {
      name: 'lifecycle',
      constants: { '${release}': '3.1.4', '${bk_timing}': '0' },
      exclude_task_nodes_id: ['wait'],
      callback_url: callbackAt(hook),
      callback_version: 'v2',
    })
    expect(created).toMatchObject({ result: true, code: 0 })
    const taskId: number = created.data.task_id
    expect(Object.keys(created.data.pipeline_tree.activities)).toEqual(['prepare', 'deploy'])

    const started = await gateway(`start_task/${taskId}/2/`, {})
    expect(started).toMatchObject({ result: true, data: { task_url: started.task_url } })
    expect(await gateway(`start_task/${taskId}/2/`, {})).toMatchObject({ result: false, code: 3545000, message: 'task already started' })

    const statuses = await gateway('get_tasks_status/2/', { task_id_list: [taskId], include_children_status: true })
    expect(statuses.data).toHaveLength(1)
    expect(statuses.data[0]).toMatchObject({ id: taskId, name: 'lifecycle', status: { state: 'FINISHED' } })
    expect(Object.keys(statuses.data[0].status.children)).toEqual(expect.arrayContaining(['prepare', 'deploy']))

    const detail = await gateway(`get_task_detail/${taskId}/2/`)
    expect(detail.data).toMatchObject({ id: taskId, name: 'lifecycle', template_id: '1', executor: 'admin' })
    expect(detail.data.outputs).toContainEqual({ key: '${release}', name: 'Release', value: '3.1.4' })

    const node = await gateway(`get_task_node_detail/${taskId}/2/?node_id=prepare`)
    expect(node.data).toMatchObject({ id: 'prepare', state: 'FINISHED', inputs: { release: '3.1.4' } })
    expect(node.data.outputs).toContainEqual({ name: 'release', key: 'release', value: '3.1.4', preset: false })

    const log = await gateway(`get_task_node_log/${taskId}/2/?node_id=prepare&version=${node.data.version}`)
    expect(log).toMatchObject({ result: true, code: 0, page: { page: 1, page_size: 30, total: 2 } })
    expect(log.data).toContain('node prepare ended FINISHED')

    const callback = await received(hook)
    expect(callback?.contentType).toBe('application/json')
    expect(JSON.parse(callback!.body)).toMatchObject({ task_id: taskId, callback_version: 'v2', task_success: true })
  })

  it('calls back with a form by default, and lists the task with SOPS filters', async () => {
    const hook = uniqueCode('hook')
    const created = await gateway('create_and_start_task/2/2/', { name: 'approval', callback_url: callbackAt(hook) })
    const taskId: number = created.data.task_id
    expect(await gateway('get_tasks_manual_intervention_state/2/', { task_id_list: [taskId] })).toMatchObject({
      data: [{ id: taskId, manual_intervention_required: true }],
    })
    const list = await gateway('get_task_list/2/?keyword=approval&is_finished=false')
    expect(list.data.map((t: { id: number }) => t.id)).toContain(taskId)
    expect(list.count).toBeGreaterThanOrEqual(1)

    expect(await gateway(`operate_node/2/${taskId}/`, { node_id: 'approve', action: 'callback', data: {} })).toMatchObject({ result: true })
    const callback = await received(hook)
    expect(callback?.contentType).toContain('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(callback!.body))).toEqual({ task_id: String(taskId), task_success: 'True' })
    const finished = await gateway('get_task_list/2/?keyword=approval&is_finished=true')
    expect(finished.data.map((t: { id: number }) => t.id)).toContain(taskId)
  })

  it("answers SOPS's texts for an unknown template, another business's task and a bad id list", async () => {
    expect(await gateway('create_task/99/2/', { name: 'x' })).toMatchObject({
      result: false,
      code: 3540400,
      message: expect.stringMatching(/^template\[id=99\] of project\[project_id=\d+,biz_id=2\] does not exist$/),
    })
    const other = await gateway('create_task/4/3/', { name: 'elsewhere' })
    expect(await gateway(`get_task_detail/${other.data.task_id}/2/`)).toMatchObject({
      result: false,
      code: 3540400,
      message: expect.stringMatching(new RegExp(`^\\[API\\] get_task_detail task\\[id=${other.data.task_id}\\] of project\\[project_id=\\d+, biz_id2\\] does not exist$`)),
    })
    const tooMany = await call('/api/bk-sops/prod/get_tasks_status/2/', { headers, body: { task_id_list: Array.from({ length: 51 }, (_, i) => i + 1) } })
    expect(tooMany.status).toBe(400)
    expect(((await tooMany.json()) as Answer).errors).toEqual([{ path: 'task_id_list', message: 'must name at most 50 tasks (SOPS answers at most 50)' }])
  })

  it('lists the projects the user may see', async () => {
    const projects = await gateway('get_user_project_list/')
    expect(projects.data).toContainEqual(expect.objectContaining({ bk_biz_id: 2 }))
  })
})
