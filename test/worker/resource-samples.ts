/** A valid call of every resource with every parameter, ids included (forwarding, access tokens). */
import type { ResourceName } from '../../src/resources/table.ts'

const V = 'a'.repeat(32)
const tree = { start_event: {}, activities: {}, flows: {} }
const templateTask = {
  bk_biz_id: '2', template_id: 1, scope: 'cmdb_biz', name: 't', template_source: 'business', flow_type: 'common',
  constants: { '${v}': 1 }, exclude_task_nodes_id: ['n1'], description: 'd', callback_url: 'https://hook.example/x', callback_version: 'v2',
}
const templateFlags = { include_executor_proxy: true, include_subprocess: 'false', include_constants: 'True', include_notify: '0' }

/** Every parameter of each resource, ids included. */
export const FULL: Record<ResourceName, Record<string, unknown>> = {
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
