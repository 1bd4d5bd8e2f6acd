/**
 * Every resource, called with every field it takes and one it does not, in both URL forms, through the
 * stand-in origin's `strict` allowlist (test/support/origin-server.ts): the origin must see only what
 * SOPS documents for that resource, so a field the table forwards by mistake fails here.
 */
import { describe, expect, it } from 'vitest'
import { resources, type ResourceName } from '../../src/http/resources.ts'
import { callWith, exemptApp, fakeOrigin } from './helpers.ts'

const V = 'a'.repeat(32)
const tree = { start_event: {}, activities: {}, flows: {} }
const templateTask = {
  bk_biz_id: '2', template_id: 1, scope: 'cmdb_biz', name: 't', template_source: 'business', flow_type: 'common',
  constants: { '${v}': 1 }, exclude_task_nodes_id: ['n1'], description: 'd', callback_url: 'https://hook.example/x', callback_version: 'v2',
}
const templateFlags = { include_executor_proxy: true, include_subprocess: 'false', include_constants: 'True', include_notify: '0' }

/** Every parameter of each resource, ids included. */
const FULL: Record<ResourceName, Record<string, unknown>> = {
  operate_node: { bk_biz_id: 2, task_id: 12, scope: 'project', node_id: 'n1', action: 'skip_cpg', data: {}, inputs: { a: 1 }, flow_id: 'f1', flow_ids: ['f1'], converge_gateway_id: 'g1' },
  operate_task: { bk_biz_id: '2', task_id: '12', action: 'start' },
  node_callback: { bk_biz_id: '2', task_id: 12, node_id: 'n1', callback_data: [1], version: `v${V}` },
  get_task_status: { bk_biz_id: '2', task_id: '12', subprocess_id: 'sp', with_ex_data: '1' },
  create_task: { ...templateTask, execute_task_nodes_id: ['n2'] },
  create_and_start_task: templateTask,
  fast_create_task: { bk_biz_id: '2', name: 't', pipeline_tree: tree, flow_type: 'common_func', description: 'd', category: 'OpsTools' },
  start_task: { bk_biz_id: '2', task_id: 12 },
  get_task_detail: { bk_biz_id: '2', task_id: '12', include_children_status: 'true' },
  get_task_node_detail: { bk_biz_id: '2', task_id: '12', node_id: 'n1', component_code: 'noop', subprocess_stack: '["sp"]', loop: '2' },
  get_task_node_log: { bk_biz_id: '2', task_id: '12', node_id: 'n1', version: V, page: '2', page_size: 50 },
  get_tasks_status: { bk_biz_id: '2', task_id_list: [12, '13'], include_children_status: true },
  get_tasks_manual_intervention_state: { bk_biz_id: '2', task_id_list: [12] },
  get_task_list: {
    bk_biz_id: '2', keyword: 'k', is_started: 'true', is_finished: false, executor: 'admin', create_method: 'api', template_id: '1', template_ids: '1,2',
    is_child_taskflow: '0', expected_timezone: 'Asia/Shanghai', create_time_start: '2024-01-01', create_time_end: '2024-01-02 10:00:00', limit: 10, offset: '5', without_count: 'True',
  },
  get_template_list: { bk_biz_id: '2', template_source: 'project', id_in: '1,2', name_keyword: 'k', ...templateFlags, include_labels: 'true', expected_timezone: 'UTC' },
  get_template_info: { bk_biz_id: '2', template_id: '1', template_source: 'common', ...templateFlags, unfold_subprocess: 'true', format: 'yaml' },
  get_user_project_list: { include_executor_proxy: 'true' },
}

const { headers } = await exemptApp()
const config = { ORIGIN_URL: fakeOrigin('strict') }

describe('the origin sees only what SOPS documents', () => {
  for (const resource of resources) {
    const fields: Record<string, unknown> = { ...FULL[resource.name], not_documented: 'x' }
    const query = (params: Record<string, unknown>) =>
      new URLSearchParams(Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])).toString()
    const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => !resource.pathParams.includes(key)))
    const gatewayPath = `/api/bk-sops/prod/${resource.path.replace(/:(\w+)/g, (_, id: string) => String(fields[id]))}/`
    const post = resource.method === 'post'

    it(`${resource.name}, gateway form`, async () => {
      const res = await callWith(config, post ? gatewayPath : `${gatewayPath}?${query(rest)}`, { headers, ...(post ? { body: rest } : {}) })
      expect(await res.json()).toMatchObject({ result: true, code: 0 })
    })

    it(`${resource.name}, ESB form`, async () => {
      const path = `/api/c/compapi/v2/sops/${resource.name}/`
      const res = await callWith(config, post ? path : `${path}?${query(fields)}`, { headers, ...(post ? { body: fields } : {}) })
      expect(await res.json()).toMatchObject({ result: true, code: 0 })
    })
  }
})
