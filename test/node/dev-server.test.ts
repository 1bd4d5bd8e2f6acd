/**
 * `npm run dev` as the owner of its state: the admin CLI's tasks run on its clock, a second server on
 * the same state or a port already in use is refused with a message that says what to do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { join } from 'node:path'
import { parseEnv, stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { localState } from '../../scripts/lib/state.ts'
import { DEMO_AUTH, cli, runScript, tempStateDir } from './admin-helpers.ts'
import { startDev } from './dev-server.ts'
import type { DevServer } from './dev-server.ts'

const state = tempStateDir()
let dev: DevServer
let port: number

beforeAll(async () => {
  dev = await startDev(state)
  port = Number(new URL(dev.base).port)
}, 120_000)
afterAll(async () => {
  await dev?.stop()
})

/** A task that waits `seconds` in a sleep_timer, then ends. */
function timerTree(seconds: number): string {
  const file = join(tempStateDir(), 'timer.json')
  const flow = (id: string, source: string, target: string) => ({ id, source, target, is_default: false })
  writeFileSync(
    file,
    JSON.stringify({
      start_event: { id: 'start', type: 'EmptyStartEvent', name: 'Start', incoming: '', outgoing: 'f1' },
      end_event: { id: 'end', type: 'EmptyEndEvent', name: 'End', incoming: ['f2'], outgoing: '' },
      activities: {
        wait: {
          id: 'wait', type: 'ServiceActivity', name: 'Wait', incoming: ['f1'], outgoing: 'f2',
          component: { code: 'sleep_timer', data: { bk_timing: { hook: false, value: String(seconds) } } },
          error_ignorable: false, retryable: true, skippable: true,
        },
      },
      gateways: {},
      flows: { f1: flow('f1', 'start', 'wait'), f2: flow('f2', 'wait', 'end') },
      constants: {},
      outputs: [],
    }),
  )
  return file
}

async function taskState(taskId: number): Promise<string> {
  const res = await fetch(`${dev.base}/api/bk-sops/prod/get_task_status/${taskId}/2/`, { headers: DEMO_AUTH })
  return ((await res.json()) as { data: { state: string } }).data.state
}

it("a timer task started with the CLI finishes on the server's clock", async () => {
  const created = await cli('admin', state, 'task', 'create', timerTree(1), '--biz', '2', '--start', '--json')
  expect(created.code, created.stderr).toBe(0)
  const { task_id } = JSON.parse(created.stdout)
  expect(await taskState(task_id)).toBe('RUNNING')
  await expect.poll(() => taskState(task_id), { timeout: 10_000, interval: 250 }).toBe('FINISHED')
})

it('refuses a second npm run dev on the same state', async () => {
  const second = await cli('dev', state, '--port', String(port + 1))
  expect(second.code).toBe(1)
  expect(second.stderr).toContain(`npm run dev is already serving ${state}`)
})

it('demo reset restores the demo tasks through the running server', async () => {
  const skip = await fetch(`${dev.base}/api/bk-sops/prod/operate_node/2/12/`, {
    method: 'POST',
    headers: DEMO_AUTH,
    body: JSON.stringify({ node_id: 'node_id', action: 'skip' }),
  })
  expect(skip.status).toBe(200)
  expect(await taskState(12)).toBe('FINISHED')
  const reset = await cli('admin', state, 'demo', 'reset', '--json')
  expect(reset.code, reset.stderr).toBe(0)
  expect(JSON.parse(reset.stdout).tasks[0]).toEqual({ task_id: 12, biz: '2', state: 'FAILED' })
  expect(await taskState(12)).toBe('FAILED')
})

it.each([
  ['--port N', (port: number) => ['--port', String(port)]],
  ['-- --port N', (port: number) => ['--', '--port', String(port), '--ip', '127.0.0.1']],
])('stops when the port is in use (%s), naming it and how to choose another', async (_, args) => {
  const result = await cli('dev', tempStateDir(), ...args(port))
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(new RegExp(`port ${port} is already in use on .*choose another port: npm run dev -- --port \\d+`))
})

it('stops when 8787, the default, is in use', async () => {
  // Held here unless something on this machine holds it already: busy either way.
  const holder = await listen(8787, '127.0.0.1')
  try {
    const result = await cli('dev', tempStateDir())
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('port 8787 is already in use on localhost')
    expect(result.stderr).toMatch(/npm run dev -- --port \d+/)
  } finally {
    holder?.close()
  }
})

function listen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, host, () => resolve(server))
  })
}

it('dev --help shows how to choose the port', async () => {
  const help = await runScript('dev', ['--help'])
  expect(help.stdout).toContain('--port N')
})

/** A line the gateway prints for a call: `[sops-edge] GET /healthz 200 OK 1ms -`. */
const CALL_LINE = /^\[sops-edge\] [A-Z]+ \/\S* \d{3} /
const callLines = (text: string) => stripVTControlCharacters(text).split('\n').filter((line) => CALL_LINE.test(line))

it('prints one line per call, an admin audit line on one line, and no error or warning line', async () => {
  const start = dev.output().length
  const adminToken = parseEnv(readFileSync(localState(state).devVarsPath, 'utf8')).ADMIN_TOKEN
  for (let i = 0; i < 9; i++) expect((await fetch(`${dev.base}/api/bk-sops/prod/get_task_status/12/2/`, { headers: DEMO_AUTH })).status).toBe(200)
  const audited = await fetch(`${dev.base}/_admin/credentials/app%3Aesb_test`, { headers: { Authorization: `Bearer ${adminToken}` } })
  expect(audited.status).toBe(200)
  await expect.poll(() => callLines(dev.output().slice(start)).length, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(10)
  // A last call fences the session: its line comes after every line of the ten before it.
  await fetch(`${dev.base}/openapi.json`)
  await expect.poll(() => callLines(dev.output().slice(start)).at(-1), { timeout: 30_000, interval: 100 }).toMatch(/^\[sops-edge\] GET \/openapi\.json 200 /)
  const session = stripVTControlCharacters(dev.output().slice(start)).trimEnd().split('\n')
  expect(session.filter((line) => CALL_LINE.test(line))).toHaveLength(11)
  expect(session.filter((line) => line.includes("audit: 'admin'"))).toEqual([expect.stringMatching(/^\[sops-edge\] \{ audit: 'admin', .* outcome: 'authorized', .*\}$/)])
  expect(session).toHaveLength(12)
  expect(dev.output()).not.toMatch(/error|\[wrangler:warn\]|✘/i)
})

it('keeps the local explorer, which writes the local KV and objects, off', async () => {
  const res = await fetch(`${dev.base}/cdn-cgi/local/explorer`)
  expect(res.status).toBe(404)
  expect(await res.json()).toMatchObject({ code_name: 'API_NOT_FOUND' })
})

it.each([['0.0.0.0'], ['*']])('refuses to listen on %s without --allow-remote, saying the demo credentials are public', async (ip) => {
  const dir = tempStateDir()
  const result = await cli('dev', dir, '--', '--ip', ip)
  expect(result.code).toBe(1)
  expect(result.stderr).toContain(`npm run dev listens on ${ip}, beyond this machine, only when told to: its demo credentials`)
  expect(result.stderr).toContain('--allow-remote')
  expect(existsSync(localState(dir).devVarsPath)).toBe(false) // refused before anything was set up
})
