/** Permission by resource and by business (or project), from the app's KV record. */
import { expect, it } from 'vitest'
import { authHeader, callWith, fakeOrigin, seedApp, uniqueCode } from './helpers.ts'

const origin = { ORIGIN_URL: fakeOrigin('ok') }

async function as(options: Parameters<typeof seedApp>[1]) {
  const code = uniqueCode()
  await seedApp(code, { userExempt: true, ...options })
  const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })
  return async (path: string, body?: unknown) => {
    const res = await callWith(origin, path, { headers, ...(body ? { body } : {}) })
    const json = (await res.json()) as { message: string }
    return { status: res.status, message: json.message, code }
  }
}

it('grants by resource', async () => {
  const call = await as({ resources: ['get_task_status'] })
  expect((await call('/api/bk-sops/prod/get_task_status/12/2/')).status).toBe(200)
  const denied = await call('/api/bk-sops/prod/operate_task/12/2/', { action: 'start' })
  expect(denied.status).toBe(403)
  expect(denied.message).toBe(`App has no permission to the resource [reason="no permission to resource operate_task, bk_app_code=${denied.code}"]`)
})

it('grants by business, and by project for scope=project', async () => {
  const call = await as({ biz: ['2', 'project:7'] })
  expect((await call('/api/bk-sops/prod/operate_node/2/12/', { node_id: 'n', action: 'skip' })).status).toBe(200)
  const otherBiz = await call('/api/bk-sops/prod/operate_node/3/12/', { node_id: 'n', action: 'skip' })
  expect(otherBiz.status).toBe(403)
  expect(otherBiz.message).toContain('no permission to business 3')
  expect((await call('/api/bk-sops/prod/operate_node/7/12/', { node_id: 'n', action: 'skip', scope: 'project' })).status).toBe(200)
  const projectTwo = await call('/api/bk-sops/prod/operate_node/2/12/', { node_id: 'n', action: 'skip', scope: 'project' })
  expect(projectTwo.status).toBe(403)
  expect(projectTwo.message).toContain('no permission to project 2')
})

it('a wildcard grants everything', async () => {
  const call = await as({ resources: '*', biz: '*' })
  expect((await call('/api/bk-sops/prod/operate_task/99/12345/', { action: 'pause' })).status).toBe(200)
})
