/**
 * End to end, as a new user runs it: `npm run dev` (scripts/dev.ts, on a fresh state directory) starts
 * wrangler dev with the reference engine, and the seed document's request goes over real HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { cli } from './admin-helpers.ts'
import { type DevServer, startDev } from './dev-server.ts'

let dev: DevServer | undefined
let stateDir: string
let base: string

async function restartDev() {
  await dev?.stop()
  dev = await startDev(stateDir)
  base = dev.base
}

const asAdmin = { 'X-Bkapi-Authorization': JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }) }

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'sops-edge-e2e-'))
  await restartDev()
}, 120_000)

afterAll(async () => {
  await dev?.stop()
  await rm(stateDir, { recursive: true, force: true })
})

it("answers the seed document's example request as documented", async () => {
  const res = await fetch(`${base}/api/c/compapi/v2/sops/operate_node/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      bk_app_code: 'esb_test',
      bk_app_secret: 'xxx',
      bk_token: 'xxx',
      bk_biz_id: '2',
      task_id: '12',
      node_id: 'node_id',
      action: 'skip',
    }),
  })
  const body = await res.json()
  expect(res.status).toBe(200)
  expect(body).toMatchObject({ result: true, data: 'success', code: 0 })
  expect(res.headers.get('X-Bkapi-Request-ID')).toBe(body.request_id)
  // npm run dev prints one short access-log line per call (docs/observability.md), named by its Worker.
  await expect.poll(() => dev?.output()).toMatch(/^\[sops-edge\] POST \/api\/c\/compapi\/v2\/sops\/operate_node\/ 200 OK [\d.]+ms esb_test$/m)

  const status = await fetch(`${base}/api/bk-sops/prod/get_task_status/12/2/`, { headers: asAdmin })
  const tree = await status.json()
  expect(tree.result).toBe(true)
  expect(tree.data.children.node_id).toMatchObject({ state: 'FINISHED', skip: true })
})

it('keeps task state across a restart of npm run dev', async () => {
  // A task of its own, changed before the restart: one as seeded would look the same after any restart.
  const created = await cli('admin', stateDir, 'task', 'create', 'engine/src/demo/task-12-failed-activity.json', '--biz', '2', '--start', '--json')
  expect(created.code, created.stderr).toBe(0)
  const { task_id } = JSON.parse(created.stdout)
  const status = async () => (await fetch(`${base}/api/bk-sops/prod/get_task_status/${task_id}/2/`, { headers: asAdmin })).json()
  const skip = await fetch(`${base}/api/bk-sops/prod/operate_node/2/${task_id}/`, {
    method: 'POST',
    headers: asAdmin,
    body: JSON.stringify({ node_id: 'node_id', action: 'skip' }),
  })
  expect(skip.status).toBe(200)
  const before = await status()
  expect(before.data.children.node_id).toMatchObject({ state: 'FINISHED', skip: true })
  await restartDev()
  const after = await status()
  expect(after.data.children.node_id).toMatchObject({ state: 'FINISHED', skip: true, version: before.data.children.node_id.version })
  expect(after.data.state).toBe(before.data.state)
}, 120_000)

it('refuses the same request with a wrong secret, in the envelope', async () => {
  const res = await fetch(`${base}/api/bk-sops/prod/operate_node/2/12/`, {
    method: 'POST',
    headers: { 'X-Bkapi-Authorization': JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'wrong', bk_username: 'admin' }) },
    body: JSON.stringify({ node_id: 'node_id', action: 'retry' }),
  })
  expect(res.status).toBe(400)
  expect(await res.json()).toMatchObject({ result: false, code: 1640001, code_name: 'INVALID_ARGS' })
  await expect
    .poll(() => dev?.output())
    .toMatch(/^\[sops-edge\] POST \/api\/bk-sops\/prod\/operate_node\/2\/12\/ 400 INVALID_ARGS [\d.]+ms - · Parameters error \[reason="bk_app_code or bk_app_secret is incorrect"\]$/m)
})
