/**
 * The typed client against the real app. `npm test` type-checks this file first, so the
 * `@ts-expect-error` lines fail the run if the client ever stops rejecting a wrong call.
 */
import { env } from 'cloudflare:workers'
import { expect, it } from 'vitest'
import app from '../../src/http/app.ts'
import { sopsClient } from '../../src/http/client.ts'
import { fakeOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'

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

it('sends the credentials the ESB way with the login cookie: query of a GET, JSON body of a POST, no header', async () => {
  const seen: Request[] = []
  const browser = sopsClient('https://gateway.test', { bk_app_code: code, bk_app_secret: 'secret', loginCookie: true }, { fetch: appFetch(seen, 'bk_token=client-login-token') })
  const status = await browser.api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param: { task_id: '12', bk_biz_id: '2' } })
  const operated = await browser.api['bk-sops'].prod.operate_node[':bk_biz_id'][':task_id'].$post({
    param: { bk_biz_id: '2', task_id: '12' },
    json: { node_id: 'node_id', action: 'skip' },
  })
  expect([status.status, operated.status]).toEqual([200, 200])
  const [get, post] = seen
  expect(new URL(get!.url).searchParams.get('bk_app_code')).toBe(code)
  expect(await post!.json()).toMatchObject({ node_id: 'node_id', bk_app_code: code, bk_app_secret: 'secret' })
  expect(post!.headers.get('Content-Type')).toBe('application/json')
  for (const request of seen) expect(request.headers.has('X-Bkapi-Authorization')).toBe(false)
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
    // @ts-expect-error: a bk_token and a bk_username are never sent together
    () => sopsClient('https://gateway.test', { bk_app_code: 'a', bk_app_secret: 's', bk_token: 't', bk_username: 'u' }),
    // @ts-expect-error: there is no call without the app's credentials
    () => sopsClient('https://gateway.test', { bk_token: 't' }),
  ]
  expect(calls).toHaveLength(6)
})
