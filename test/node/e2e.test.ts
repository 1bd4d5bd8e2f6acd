/**
 * End to end, as a new user runs it: `npm run dev` (scripts/dev.ts, on a fresh state directory) starts
 * wrangler dev with the reference engine, and the seed document's request goes over real HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
let dev: ChildProcess
let stateDir: string
let base: string
let output = ''

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** `npm run dev` on the test's own state directory, serving once /healthz answers. */
async function startDev() {
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  output = ''
  dev = spawn(
    process.execPath,
    ['scripts/dev.ts', '--state', stateDir, '--', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort())],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, detached: true },
  )
  dev.stdout?.on('data', (chunk: Buffer) => (output += chunk))
  dev.stderr?.on('data', (chunk: Buffer) => (output += chunk))
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (dev.exitCode !== null) throw new Error(`npm run dev exited with ${dev.exitCode}:\n${output}`)
    try {
      if ((await fetch(`${base}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`npm run dev did not serve in time:\n${output}`)
}

async function stopDev() {
  if (dev?.pid && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve))
    process.kill(-dev.pid, 'SIGTERM')
    await exited
  }
}

const asAdmin = { 'X-Bkapi-Authorization': JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }) }

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'sops-edge-e2e-'))
  await startDev()
}, 120_000)

afterAll(async () => {
  await stopDev()
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
  // npm run dev prints one short access-log line per call (docs/observability.md).
  await expect.poll(() => output).toMatch(/^POST \/api\/c\/compapi\/v2\/sops\/operate_node\/ 200 OK [\d.]+ms esb_test$/m)

  const status = await fetch(`${base}/api/bk-sops/prod/get_task_status/12/2/`, { headers: asAdmin })
  const tree = await status.json()
  expect(tree.result).toBe(true)
  expect(tree.data.children.node_id).toMatchObject({ state: 'FINISHED', skip: true })
})

it('keeps task state across a restart of npm run dev', async () => {
  const before = await (await fetch(`${base}/api/bk-sops/prod/get_task_status/12/2/`, { headers: asAdmin })).json()
  await stopDev()
  await startDev()
  const after = await (await fetch(`${base}/api/bk-sops/prod/get_task_status/12/2/`, { headers: asAdmin })).json()
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
    .poll(() => output)
    .toMatch(/^POST \/api\/bk-sops\/prod\/operate_node\/2\/12\/ 400 INVALID_ARGS [\d.]+ms - · Parameters error \[reason="bk_app_code or bk_app_secret is incorrect"\]$/m)
})
