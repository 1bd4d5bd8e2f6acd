/**
 * The typed client against the real app. `npm test` type-checks this file first, so the
 * `@ts-expect-error` lines fail the run if the client ever stops rejecting a wrong call.
 */
import { env } from 'cloudflare:workers'
import { expect, it } from 'vitest'
import app from '../../src/app.ts'
import { sopsClient } from '../../src/client.ts'
import { fakeOrigin, seedApp, uniqueCode } from './helpers.ts'

const code = uniqueCode()
await seedApp(code, { userExempt: true, resources: ['operate_node', 'get_task_status'] })

const sops = sopsClient(
  'https://gateway.test',
  { bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' },
  { fetch: (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init), { ...env, ORIGIN_URL: fakeOrigin('ok') }) },
)
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
  ]
  expect(calls).toHaveLength(4)
})
