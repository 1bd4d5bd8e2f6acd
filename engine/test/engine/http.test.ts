/** SOPS's HTTP surface as the engine serves it: JWT refusals, routing, view checks, envelopes, status formatting. */
import { env } from 'cloudflare:workers'
import { sign } from 'hono/jwt'
import { describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH } from '../../src/json.ts'
import { JwtSigner } from '../../../src/origin/jwt.ts'
import { engineDriver, engineFetch, signJwt, type Envelope } from './driver.ts'
import { findEntry } from './scenarios.ts'
import { activity, chain, end, single, start, subprocess, webTree } from './trees.ts'

const d = engineDriver()
const REFUSAL = 'This API can only be accessed through API gateway'
const read = async (res: Response): Promise<Envelope> => res.json()
const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

async function unsignedJwt(payload: Record<string, unknown>): Promise<string> {
  const token = await signJwt()
  const [header, , signature] = token.split('.')
  const body = btoa(JSON.stringify(payload)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  return `${header}.${body}.${signature}`
}

describe('the X-Bkapi-Jwt check', () => {
  const nowS = Math.floor(Date.now() / 1000)
  const otherKey = async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-512' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair
    const pkcs8 = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer)
    const b64 = btoa(String.fromCharCode(...pkcs8))
    const label = 'PRIVATE KEY'
    return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
  }

  const cases: Array<[string, () => Promise<string | null>]> = [
    ['missing', async () => null],
    ['not a JWT', async () => 'garbage'],
    ['signed by another key', async () => new JwtSigner(await otherKey(), 'bk-sops').sign({ appCode: 'x', appVerified: true, username: 'admin', userVerified: true })],
    ['with a payload changed after signing', () => unsignedJwt({ user: { username: 'root' }, exp: nowS + 600 })],
    // The gateway's tokens live 1500 s and start 300 s in the past.
    ['expired', () => signJwt('admin', nowS - 1600)],
    ['not valid yet (nbf in the future)', () => signJwt('admin', nowS + 400)],
    // Algorithm confusion: the public key, which anyone may hold, used as an HMAC secret.
    ['signed with HS256 and the public key as its secret', () => sign({ user: { username: 'admin' }, exp: nowS + 600 }, env.APIGW_PUBLIC_KEY, 'HS256')],
    ['unsigned (alg none)', async () => `${btoa(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${btoa(JSON.stringify({ user: { username: 'admin' } }))}.`],
  ]

  it.each(cases)('refuses a token that is %s with 403', async (_, token) => {
    const res = await engineFetch('apigw/get_task_status/1/2/', { jwt: await token() })
    expect(res.status).toBe(403)
    expect(await res.text()).toBe(REFUSAL)
  })

  it('accepts a token signed with the gateway key', async () => {
    const res = await engineFetch('apigw/get_task_status/1/2/')
    expect(res.status).toBe(200)
  })

  it('answers an empty username as SOPS does, without trace_id', async () => {
    const res = await engineFetch('apigw/get_task_status/1/2/', { jwt: await signJwt('') })
    expect(await res.json()).toEqual({
      result: false, message: 'username cannot be empty, make sure api gateway has sent correct params: ', code: 3540000,
    })
  })
})

describe('routing', () => {
  it('404 for an unknown path, 405 with an empty body for a wrong method', async () => {
    expect((await engineFetch('apigw/operate_nodes/2/1/', json({}))).status).toBe(404)
    expect((await engineFetch('apigw/operate_node/x/1/', json({}))).status).toBe(404)
    const wrong = await engineFetch('apigw/operate_node/2/1/', { method: 'GET' })
    expect(wrong.status).toBe(405)
    expect(await wrong.text()).toBe('')
  })

  it('serves any prefix that ends in /apigw/, with or without the trailing slash', async () => {
    const res = await exportsFetch('https://sops.example/some/prefix/apigw/get_task_status/1/2')
    expect(res.status).toBe(200)
  })
})

async function exportsFetch(url: string): Promise<Response> {
  const { exports } = await import('cloudflare:workers')
  return exports.default.fetch(new Request(url, { headers: { 'X-Bkapi-Jwt': await signJwt() } }))
}

describe('projects and scope', () => {
  it('creates a project for a business with its first task; project ids are not business ids', async () => {
    const taskId = await d.createTask('7', single('a', 'noop'))
    const byBusiness = await d.taskStatus(taskId, '7')
    expect(byBusiness).toMatchObject({ result: true, data: { state: 'CREATED' } })
    const res = await engineFetch(`apigw/get_task_status/${taskId}/7/?scope=project`)
    expect(await res.json()).toEqual({ result: false, message: 'project(7) with scope(project) does not exist.', code: 3540400 })
  })

  it('finds the task by project id with scope=project', async () => {
    const taskId = await d.createTask('8', single('a', 'noop'))
    const registry = env.ENGINE_REGISTRY.get(env.ENGINE_REGISTRY.idFromName('registry'))
    const project = await registry.findProject('8', 'cmdb_biz')
    expect(project?.id).not.toBe(8)
    const res = await engineFetch(`apigw/operate_task/${taskId}/${project?.id}/`, json({ action: 'start', scope: 'project' }))
    expect(await res.json()).toMatchObject({ result: true, code: 0, message: 'success' })
  })

  it('an unknown business is "project(…) with scope(cmdb_biz) does not exist."', async () => {
    const res = await engineFetch('apigw/operate_node/999/1/', json({ node_id: 'a', action: 'skip' }))
    expect(await res.json()).toEqual({ result: false, message: 'project(999) with scope(cmdb_biz) does not exist.', code: 3540400 })
  })
})

describe('views', () => {
  it('operate_node: body checks in SOPS order, then the task lookup', async () => {
    await d.createTask('2', single('a', 'noop'))
    const answer = async (body: string) => read(await engineFetch('apigw/operate_node/2/999/', { method: 'POST', body }))
    expect(await answer('{not json')).toEqual({ result: false, message: 'invalid param format', code: 3540000 })
    expect(await answer('[1]')).toEqual({ result: false, message: 'invalid param format', code: 3540000 })
    expect(await answer('{"data": [1]}')).toMatchObject({ result: false, message: 'data field is not a valid object', code: 3540000 })
    expect(await answer('{"inputs": "x"}')).toMatchObject({ result: false, message: 'inputs field is not a valid object', code: 3540000 })
    const missing = await answer('{"node_id": "a", "action": "skip"}')
    expect(missing).toMatchObject({ result: false, code: 3540400 })
    expect(missing.message).toMatch(/^task\[id=999\] of project\[id=\d+\] does not exist$/)
  })

  it('JSON nested deeper than MAX_JSON_DEPTH is "invalid param format" on every POST view, and changes nothing', async () => {
    const taskId = await d.createTask('2', single('wait', 'pause_node'), { start: true })
    /** An object nested `depth` levels deep. */
    const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`
    const deep = nested(5000)
    const refused = { result: false, message: 'invalid param format', code: 3540000 }
    const post = async (path: string, body: string) => read(await engineFetch(path, { method: 'POST', body }))
    const bodies: Array<[string, string]> = [
      [`apigw/operate_node/2/${taskId}/`, `{"node_id": "wait", "action": "callback", "data": ${deep}}`],
      [`apigw/operate_node/2/${taskId}/`, `{"node_id": "wait", "action": "retry", "inputs": ${deep}}`],
      [`apigw/node_callback/${taskId}/2/`, `{"node_id": "wait", "callback_data": ${deep}}`],
      [`apigw/operate_task/${taskId}/2/`, `{"action": "pause", "x": ${deep}}`],
      ['apigw/fast_create_task/2/', `{"name": "deep", "pipeline_tree": ${deep}}`],
      // One level over: the body's own object counts.
      [`apigw/operate_node/2/${taskId}/`, `{"node_id": "wait", "action": "callback", "data": ${nested(MAX_JSON_DEPTH)}}`],
    ]
    for (const [path, body] of bodies) expect(await post(path, body)).toEqual(refused)
    expect(findEntry((await d.taskStatus(taskId, '2')).data, 'wait').state).toBe('RUNNING')

    // As deep as allowed, with brackets inside a string (text, not nesting): the callback completes the node.
    const note = JSON.stringify('['.repeat(5000))
    const allowed = `{"node_id": "wait", "action": "callback", "note": ${note}, "data": ${nested(MAX_JSON_DEPTH - 1)}}`
    expect(await post(`apigw/operate_node/2/${taskId}/`, allowed)).toMatchObject({ result: true, code: 0 })
    expect(findEntry((await d.taskStatus(taskId, '2')).data, 'wait').state).toBe('FINISHED')
  })

  it('operate_node success has no data key; trace_id is the traceparent, also in Sops-Trace-Id', async () => {
    const taskId = await d.createTask('2', single('a', 'fail'), { start: true })
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    const res = await engineFetch(`apigw/operate_node/2/${taskId}/`, { ...json({ node_id: 'a', action: 'skip' }), headers: { traceparent } })
    expect(res.headers.get('Sops-Trace-Id')).toBe(traceparent)
    expect(await res.json()).toEqual({ result: true, message: 'success', code: 0, trace_id: traceparent })
  })

  it('operate_task and get_task_status on a missing task', async () => {
    await d.createTask('2', single('a', 'noop'))
    const task = await (await engineFetch('apigw/operate_task/999/2/', json({ action: 'pause' }))).json()
    expect(task).toEqual({
      result: false,
      message: '数据不存在错误: 数据不存在错误, 错误内容 TaskFlowInstance matching query does not exist. | process_exception',
      data: null,
      code: 3540400,
    })
    const status = await (await engineFetch('apigw/get_task_status/999/2/')).json()
    expect(status).toMatchObject({
      result: false, code: 3599999, message: 'task[id=999] get status error: TaskFlowInstance matching query does not exist.',
    })
  })

  it('node_callback: task and node checks in its own words, codes not masked, version defaults to the current', async () => {
    const taskId = await d.createTask('2', webTree([start(), activity('wait', 'pause_node'), activity('later', 'noop'), end()], chain('start', 'wait', 'later', 'end')), { start: true })
    const callback = async (path: string, body: unknown) => read(await engineFetch(path, json(body)))
    const missingTask = await callback('apigw/node_callback/999/2/', { node_id: 'wait' })
    expect(missingTask).toMatchObject({ result: false, code: 3540400 })
    expect(missingTask.message).toMatch(/^\[API\] node_callback task\[id=999\] of project\[project_id=\d+, biz_id2\] does not exist$/)
    expect(await callback(`apigw/node_callback/${taskId}/2/`, { node_id: 'ghost' })).toMatchObject({
      result: false, code: 3540000, message: `task[${taskId}] does not have node[ghost]`,
    })
    // A node the tree knows but the engine never reached has no state to take a version from.
    expect(await callback(`apigw/node_callback/${taskId}/2/`, { node_id: 'later' })).toMatchObject({
      result: false, code: 3540400, message: '数据不存在错误: 数据不存在错误, 错误内容 State matching query does not exist. | process_exception',
    })
    // With a version the engine is asked directly: its own checks, in its order, answer.
    const unreached = await callback(`apigw/node_callback/${taskId}/2/`, { node_id: 'later', version: `v${'0'.repeat(32)}` })
    expect(unreached).toMatchObject({ result: false, code: 3599999 })
    expect(unreached.message).toContain('InvalidOperationError: can not find sleep process with current node id: later')
    const unknownVersion = await callback(`apigw/node_callback/${taskId}/2/`, { node_id: 'wait', version: `v${'0'.repeat(32)}` })
    expect(unknownVersion).toMatchObject({ result: false, code: 3599999 })
    expect(unknownVersion.message).toContain('Schedule matching query does not exist.')
    expect(await callback(`apigw/node_callback/${taskId}/2/`, { node_id: 'wait', callback_data: { ok: 1 } })).toMatchObject({
      result: true, code: 0, message: 'success',
    })
    expect(findEntry((await d.taskStatus(taskId, '2')).data, 'later').state).toBe('FINISHED')
  })

  it('operate_node ignores a version: SOPS passes none, the callback is for the current one', async () => {
    const taskId = await d.createTask('2', single('wait', 'pause_node'), { start: true })
    const answer = await d.operateNode('2', taskId, { node_id: 'wait', action: 'callback', data: {}, version: `v${'0'.repeat(32)}` })
    expect(answer).toMatchObject({ result: true, code: 0 })
  })

  it('fast_create_task refuses a bad tree, a missing name, an unknown component', async () => {
    const create = async (body: unknown) => read(await engineFetch('apigw/fast_create_task/2/', json(body)))
    expect(await create({ name: '', pipeline_tree: single('a', 'noop') })).toMatchObject({
      result: false, code: 3540000, message: 'name field is required and must be a non-empty string',
    })
    const noEnd = { ...single('a', 'noop'), end_event: undefined }
    const bad = await create({ name: 't', pipeline_tree: noEnd })
    expect(bad).toMatchObject({ result: false, code: 3540000 })
    expect(bad.message).toMatch(/end_event/)
    expect(await create({ name: 't', pipeline_tree: single('a', 'job_execute') })).toMatchObject({
      result: false, code: 3540000, message: 'component "job_execute" of node a is not available; this engine runs noop, fail, fail_once, pause_node, sleep_timer',
    })
  })

  it('fast_create_task answers the task id and the tree', async () => {
    const tree = single('a', 'noop')
    const res = await read(await engineFetch('apigw/fast_create_task/2/', json({ name: 'mine', pipeline_tree: tree })))
    expect(res).toMatchObject({ result: true, code: 0, message: 'success', data: { task_url: '', pipeline_tree: tree } })
    expect(Number.isInteger(res.data.task_id)).toBe(true)
  })
})

describe('get_task_status formatting', () => {
  it('CREATED before start: skip is 0, no id', async () => {
    const taskId = await d.createTask('2', single('a', 'noop'))
    const answer = await d.taskStatus(taskId, '2')
    expect(answer).toEqual({
      result: true, message: '', code: 0, trace_id: expect.any(String),
      data: { start_time: null, state: 'CREATED', retry: 0, skip: 0, finish_time: null, elapsed_time: 0, children: {} },
    })
  })

  it('legacy entries: "root_id:", +0800 times, names, nesting, derived FAILED, subprocess_id', async () => {
    const inner = webTree([start('s2'), activity('bad', 'fail'), end('e2')], chain('s2', 'bad', 'e2'))
    const tree = { ...webTree([start(), subprocess('sp', inner), end()], chain('start', 'sp', 'end')), id: 'proot' }
    const taskId = await d.createTask('2', tree, { start: true, name: 'nested' })
    const status = (await d.taskStatus(taskId, '2', { with_ex_data: 'false' })).data
    expect(status).toMatchObject({ id: 'proot', state: 'FAILED', 'root_id:': 'proot', parent_id: 'proot', name: 'nested', finish_time: null })
    expect(status.start_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800$/)
    expect(Object.keys(status.children)).toEqual(['start', 'sp'])
    expect(status.children.sp).toMatchObject({ state: 'FAILED', parent_id: 'proot', name: 'Subprocess sp' })
    expect(status.children.sp.children.bad).toMatchObject({ state: 'FAILED', parent_id: 'sp', 'root_id:': 'proot', name: 'Activity bad' })
    expect(status.children.start.name).toBe('')
    // with_ex_data is any non-empty value, even "false"; the failed leaf is found through the subprocess.
    expect(status.ex_data).toEqual({ bad: 'the fail component always fails' })

    const sub = (await d.taskStatus(taskId, '2', { subprocess_id: 'sp' })).data
    expect(sub).toMatchObject({ id: 'sp', state: 'FAILED' })
    expect(Object.keys(sub.children)).toEqual(['s2', 'bad'])
    expect((await d.taskStatus(taskId, '2', { subprocess_id: 'nope' })).data.state).toBe('CREATED')
    expect(findEntry(status, 'e2')).toBeUndefined()
  })
})
