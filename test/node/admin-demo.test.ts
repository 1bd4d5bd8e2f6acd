/**
 * `demo reset`: after the README's examples were run (and the demo app and token were changed), the
 * demo workspace is as `npm run dev` first seeds it, judged through the real gateway.
 */
import { expect, it } from 'vitest'
import { DEMO_TASKS } from '../../engine/src/demo/index.ts'
import { DEMO_AUTH, cli, startGateway, tempStateDir } from './admin-helpers.ts'

const state = tempStateDir()
const admin = (...args: string[]) => cli('admin', state, ...args)

/** node_id of demo task 12, through the gateway on the state. */
async function nodeOfTask12(gateway: Awaited<ReturnType<typeof startGateway>>) {
  const res = await gateway.fetch('http://localhost/api/bk-sops/prod/get_task_status/12/2/', { headers: DEMO_AUTH })
  const body = (await res.json()) as { result: boolean; data?: { children: Record<string, { state: string; skip: boolean }> } }
  return { status: res.status, node: body.data?.children.node_id }
}

it('demo reset restores the demo app, token and tasks after the examples ran', async () => {
  expect((await cli('dev', state, '--setup-only')).code).toBe(0)
  const before = await startGateway(state)
  try {
    const skip = await before.fetch('http://localhost/api/bk-sops/prod/operate_node/2/12/', {
      method: 'POST',
      headers: DEMO_AUTH,
      body: JSON.stringify({ node_id: 'node_id', action: 'skip' }),
    })
    expect(skip.status).toBe(200)
    expect((await nodeOfTask12(before)).node).toMatchObject({ state: 'FINISHED', skip: true })
  } finally {
    await before.dispose()
  }
  for (const change of [['app', 'rotate', 'esb_test'], ['app', 'disable', 'esb_test'], ['app', 'set-rate', 'esb_test', '1/1d'], ['token', 'revoke', 'xxx']]) {
    expect((await admin(...change)).code).toBe(0)
  }

  const reset = await admin('demo', 'reset', '--json')
  expect(reset.code, reset.stderr).toBe(0)
  const { credentials, tasks } = JSON.parse(reset.stdout)
  expect(credentials).toEqual(['app esb_test (secret xxx)', 'bk_token xxx for admin'])
  expect(tasks.map((t: { task_id: number }) => t.task_id)).toEqual(DEMO_TASKS.map((t) => t.taskId))
  expect(tasks[0]).toEqual({ task_id: 12, biz: '2', state: 'FAILED' })

  const app = JSON.parse((await admin('app', 'show', 'esb_test', '--json')).stdout)
  expect(app).toMatchObject({ disabled: false, user_exempt: true, rate_limits: null, permissions: { biz: '*', resources: '*' } })
  expect(app.secrets).toHaveLength(1)
  const after = await startGateway(state)
  try {
    expect(await nodeOfTask12(after)).toMatchObject({ status: 200, node: { state: 'FAILED', skip: false } })
  } finally {
    await after.dispose()
  }
}, 120_000)
