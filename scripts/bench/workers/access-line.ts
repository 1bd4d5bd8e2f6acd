/**
 * The floors' access line (./floor.ts, ./checks-floor.ts): the gateway's fields
 * (src/observability/line.ts), with the values a seed call logs.
 */
export const LINE_TEMPLATE = {
  log: 'access', message: '', time: '', request_id: '', x_request_id: '', trace_id: null, sops_trace_id: null,
  method: 'POST', path: '', resource: 'operate_node', url_form: 'esb', app: 'esb_test', user: 'admin',
  user_verified: true, bk_biz_id: '2', scope: 'cmdb_biz', task_id: 12, action: 'skip', node_id: 'node_id',
  status: 200, code: 0, code_name: 'OK', error_message: null, origin_status: 200, origin_error: null,
  detail: null, exception: null, auth_ms: 0, auth_tier: 'isolate', ratelimit_ms: 0, ratelimit_tier: 'lease',
  origin_ms: 0, total_ms: 0, replayed: false, bytes_in: 0, bytes_out: 0, colo: null, stream_events: null,
  stream_ms: null, metrics_error: null, sample_rate: 1,
}
