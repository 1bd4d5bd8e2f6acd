/** CONTRACT §2.1: every parameter rule, per resource and per operate_node action; every problem named. */
import { describe, expect, it } from 'vitest'
import { authHeader, callWith, fakeOrigin, recordedAtOrigin, seedApp, uniqueCode } from './helpers.ts'

const code = uniqueCode()
const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })
const origin = { ORIGIN_URL: fakeOrigin('ok') }
await seedApp(code, { userExempt: true })

let sent = 0
async function operateNode(body: Record<string, unknown>, path = '/api/bk-sops/prod/operate_node/2/12/') {
  const xRequestId = `validation-${++sent}`
  const res = await callWith(origin, path, { headers: { ...headers, 'X-Request-ID': xRequestId }, body })
  const json = (await res.json()) as { result: boolean; errors?: { path: string; message: string }[] }
  return { status: res.status, problems: Object.fromEntries((json.errors ?? []).map((e) => [e.path, e.message])), xRequestId }
}

describe('operate_node', () => {
  it.each([
    ['retry', {}],
    ['retry', { inputs: { a: 1 } }],
    ['skip', {}],
    ['callback', { data: { ok: true } }],
    ['callback', {}],
    ['skip_exg', { flow_id: 'flow_ok' }],
    ['skip_cpg', { flow_ids: ['f1', 'f2'], converge_gateway_id: 'gC' }],
    ['pause_subproc', {}],
    ['resume_subproc', {}],
    ['pause', {}],
    ['resume', {}],
    ['forced_fail', {}],
    ['retry_subprocess', {}],
  ])('accepts %s %j', async (action, extra) => {
    const { status, problems } = await operateNode({ node_id: 'node_id', action, ...extra })
    expect(problems).toEqual({})
    expect(status).toBe(200)
  })

  it.each([
    [{ action: 'skip_exg' }, { flow_id: 'is required when action is skip_exg' }],
    [{ action: 'skip_exg', flow_id: '' }, { flow_id: 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -' }],
    [{ action: 'skip_cpg' }, { flow_ids: 'is required when action is skip_cpg', converge_gateway_id: 'is required when action is skip_cpg' }],
    [{ action: 'skip_cpg', flow_ids: [], converge_gateway_id: 'g' }, { flow_ids: 'must name at least one flow' }],
    [{ action: 'callback', data: 'yes' }, { data: 'must be a JSON object (callback data, for action callback)' }],
    [{ action: 'callback', data: [1] }, { data: 'must be a JSON object (callback data, for action callback)' }],
    [{ action: 'retry', inputs: null }, { inputs: 'must be a JSON object (new inputs, for action retry)' }],
    [{ action: 'retry', inputs: 'x' }, { inputs: 'must be a JSON object (new inputs, for action retry)' }],
    [{ action: 'jump' }, { action: expect.stringMatching(/^must be one of callback, skip_exg, retry, skip, pause_subproc/) }],
    [{ action: 'skip', node_id: '' }, { node_id: expect.stringContaining('must be 1 to 64 characters') }],
    [{ action: 'skip', node_id: 'x'.repeat(65) }, { node_id: expect.stringContaining('must be 1 to 64 characters') }],
    [{ action: 'skip', node_id: 'a/b' }, { node_id: expect.stringContaining('must be 1 to 64 characters') }],
    [{ action: 'skip', node_id: 7 }, { node_id: 'must be a string' }],
    [{ action: 'skip', scope: 'galaxy' }, { scope: 'must be cmdb_biz or project' }],
  ])('refuses %j', async (body, expected) => {
    const { status, problems } = await operateNode({ node_id: 'node_id', ...body })
    expect(status).toBe(400)
    expect(problems).toEqual(expected)
  })

  it('names every problem at once, ids included', async () => {
    const { status, problems } = await operateNode(
      { bk_biz_id: 'two', task_id: 0, node_id: '', action: 'skip_exg', data: 3 },
      '/api/c/compapi/v2/sops/operate_node/',
    )
    expect(status).toBe(400)
    expect(Object.keys(problems).sort()).toEqual(['bk_biz_id', 'data', 'flow_id', 'node_id', 'task_id'])
  })

  it.each([
    ['/api/bk-sops/prod/operate_node/abc/12/', { bk_biz_id: expect.stringContaining('must be 1 to 18 digits') }],
    ['/api/bk-sops/prod/operate_node/2/0/', { task_id: 'must be a positive integer' }],
    ['/api/bk-sops/prod/operate_node/2/1.5/', { task_id: 'must be a positive integer' }],
    ['/api/bk-sops/prod/operate_node/2/-3/', { task_id: 'must be a positive integer' }],
  ])('checks the ids in the path of %s', async (path, expected) => {
    const { problems } = await operateNode({ node_id: 'n', action: 'skip' }, path)
    expect(problems).toEqual(expected)
  })

  it('accepts numbers for ids in the ESB body and forwards only the operation fields', async () => {
    const { status, xRequestId } = await operateNode(
      { bk_biz_id: 2, task_id: '12', node_id: 'n1', action: 'callback', data: { x: 1 }, extra: 'ignored', bk_app_code: code },
      '/api/c/compapi/v2/sops/operate_node/',
    )
    expect(status).toBe(200)
    const received = await recordedAtOrigin(xRequestId)
    expect(received?.path).toBe('/apigw/operate_node/2/12/')
    expect(JSON.parse(received?.body ?? '')).toEqual({ node_id: 'n1', action: 'callback', data: { x: 1 }, scope: 'cmdb_biz' })
  })
})

describe('node_callback', () => {
  it('forwards node_id, callback_data and version in SOPS id order, and checks the version form', async () => {
    const res = await callWith(origin, '/api/bk-sops/prod/node_callback/12/2/', {
      headers: { ...headers, 'X-Request-ID': 'callback-order' },
      body: { node_id: 'wait', callback_data: { approved: true }, version: `v${'a'.repeat(32)}`, action: 'ignored' },
    })
    expect(res.status).toBe(200)
    const received = await recordedAtOrigin('callback-order')
    expect(received?.path).toBe('/apigw/node_callback/12/2/')
    expect(JSON.parse(received?.body ?? '')).toEqual({
      node_id: 'wait', callback_data: { approved: true }, version: `v${'a'.repeat(32)}`, scope: 'cmdb_biz',
    })
    const bad = await callWith(origin, '/api/bk-sops/prod/node_callback/12/2/', { headers, body: { version: 'v0' } })
    expect(((await bad.json()) as { errors: unknown[] }).errors).toEqual([
      { path: 'node_id', message: 'must be a string' },
      { path: 'version', message: 'must be a node version: v followed by 32 hex digits' },
    ])
  })
})

describe('operate_task and get_task_status', () => {
  it('operate_task checks its action and uses SOPS id order in the path', async () => {
    const bad = await callWith(origin, '/api/bk-sops/prod/operate_task/12/2/', { headers, body: { action: 'explode' } })
    expect(((await bad.json()) as { errors: unknown[] }).errors).toEqual([{ path: 'action', message: 'must be one of start, pause, resume, revoke' }])
    const res = await callWith(origin, '/api/bk-sops/prod/operate_task/12/2/', { headers: { ...headers, 'X-Request-ID': 'task-order' }, body: { action: 'start' } })
    expect(res.status).toBe(200)
    expect((await recordedAtOrigin('task-order'))?.path).toBe('/apigw/operate_task/12/2/')
  })

  it('get_task_status takes the query, forwards only its options', async () => {
    const res = await callWith(
      origin,
      '/api/bk-sops/prod/get_task_status/12/2/?with_ex_data=1&subprocess_id=sp1&bk_username=admin&scope=project',
      { headers: { ...headers, 'X-Request-ID': 'status-query' } },
    )
    expect(res.status).toBe(200)
    const received = await recordedAtOrigin('status-query')
    expect(received?.method).toBe('GET')
    expect(received?.path).toBe('/apigw/get_task_status/12/2/')
    expect(received?.query).toEqual({ scope: 'project', subprocess_id: 'sp1', with_ex_data: '1' })
    const bad = await callWith(origin, '/api/bk-sops/prod/get_task_status/12/2/?subprocess_id=../x', { headers })
    expect(bad.status).toBe(400)
  })
})
