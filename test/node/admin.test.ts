/**
 * The admin CLI, run as a user runs it (a child process on a temporary local state), judged by what
 * the real gateway then lets through on that same state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, startGateway, tempStateDir } from './admin-helpers.ts'

const state = tempStateDir()
const admin = (...args: string[]) => cli('admin', state, ...args)
let gateway: Awaited<ReturnType<typeof startGateway>>

beforeAll(async () => {
  expect((await cli('dev', state, '--setup-only')).code).toBe(0)
  gateway = await startGateway(state)
})
afterAll(async () => {
  await gateway?.dispose()
})

/** get_task_status of demo task 12 in business 2, with the credentials in X-Bkapi-Authorization. */
async function call(credentials: Record<string, string>, taskId = '12') {
  const res = await gateway.fetch(`http://localhost/api/bk-sops/prod/get_task_status/${taskId}/2/`, {
    headers: { 'X-Bkapi-Authorization': JSON.stringify(credentials) },
  })
  const body = (await res.json()) as { result: boolean; code: number; message: string }
  return { status: res.status, ...body }
}

const passes = { status: 200, result: true }

function printedSecret(stdout: string): string {
  const secret = /bk_app_secret(?: of \S+)?: (\S+)/.exec(stdout)?.[1]
  if (!secret) throw new Error(`no secret in: ${stdout}`)
  return secret
}

describe('app and token lifecycle through the gateway', () => {
  let first = ''
  let second = ''
  const app = (bk_app_secret: string) => ({ bk_app_code: 'ops_portal', bk_app_secret, bk_token: 'tok-alice' })

  it('a created app works with its printed secret, and a wrong secret fails', async () => {
    const created = await admin('app', 'create', 'ops_portal', '--biz', '2', '--resources', 'get_task_status')
    expect(created.code).toBe(0)
    first = printedSecret(created.stdout)
    expect((await admin('token', 'add', 'tok-alice', 'alice', '--ttl', '1h')).code).toBe(0)

    expect(await call(app(first))).toMatchObject(passes)
    expect(await call(app('not-the-secret'))).toMatchObject({
      status: 400,
      code: 1640001,
      message: 'Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]',
    })
  })

  it('after rotate both secrets work; after retire-secret only the new one', async () => {
    const rotated = await admin('app', 'rotate', 'ops_portal')
    expect(rotated.code).toBe(0)
    second = printedSecret(rotated.stdout)
    expect(second).not.toBe(first)
    expect(await call(app(first))).toMatchObject(passes)
    expect(await call(app(second))).toMatchObject(passes)

    const third = await admin('app', 'rotate', 'ops_portal')
    expect(third.code).toBe(1)
    expect(third.stderr).toContain('retire the older one first')

    expect((await admin('app', 'retire-secret', 'ops_portal')).code).toBe(0)
    expect(await call(app(first))).toMatchObject({ status: 400, code: 1640001 })
    expect(await call(app(second))).toMatchObject(passes)
  })

  it('a disabled app is refused until enabled again', async () => {
    expect((await admin('app', 'disable', 'ops_portal')).code).toBe(0)
    expect(await call(app(second))).toMatchObject({ status: 400, code: 1640001, message: expect.stringContaining('disabled') })
    expect((await admin('app', 'enable', 'ops_portal')).code).toBe(0)
    expect(await call(app(second))).toMatchObject(passes)
  })

  it('grant and revoke change what passes', async () => {
    expect((await admin('app', 'revoke', 'ops_portal', '--biz', '2')).code).toBe(0)
    expect(await call(app(second))).toMatchObject({ status: 403, code: 1640301 })
    expect((await admin('app', 'grant', 'ops_portal', '--biz', '*')).code).toBe(0)
    expect(await call(app(second))).toMatchObject(passes)

    expect((await admin('app', 'revoke', 'ops_portal', '--resources', 'get_task_status')).code).toBe(0)
    expect(await call(app(second))).toMatchObject({ status: 403, code: 1640301 })
    expect((await admin('app', 'grant', 'ops_portal', '--resources', 'operate_task,get_task_status')).code).toBe(0)
    expect(await call(app(second))).toMatchObject(passes)
  })

  it('a revoked token fails', async () => {
    expect((await admin('token', 'revoke', 'tok-alice')).code).toBe(0)
    expect(await call(app(second))).toMatchObject({ status: 400, code: 1640001 })
    expect((await admin('token', 'show', 'tok-alice')).code).toBe(1)
  })

  it('show and list never print a secret', async () => {
    const shown = await admin('app', 'show', 'ops_portal')
    const listed = await admin('app', 'list')
    for (const out of [shown, listed]) {
      expect(out.code).toBe(0)
      expect(out.stdout).toContain('ops_portal')
      expect(out.stdout).not.toContain(first)
      expect(out.stdout).not.toContain(second)
    }
    expect(shown.stdout).toMatch(/secrets\s+[0-9a-f]{8} \(since/)
    expect(listed.stdout).toContain('esb_test')
  })

  it('a user-exempt app may name its user with bk_username alone, others may not', async () => {
    const exempt = printedSecret((await admin('app', 'create', 'robot', '--user-exempt', '--biz', '2', '--resources', '*')).stdout)
    expect(await call({ bk_app_code: 'robot', bk_app_secret: exempt, bk_username: 'robot-user' })).toMatchObject(passes)
    expect(await call({ bk_app_code: 'ops_portal', bk_app_secret: second, bk_username: 'alice' })).toMatchObject({
      status: 400,
      code: 1640001,
    })
  })

  it('task create makes a task the gateway then serves', async () => {
    const created = await admin('task', 'create', 'src/engine/demo/task-12-failed-activity.json', '--biz', '2', '--start')
    expect(created.code).toBe(0)
    const taskId = created.stdout.trim()
    expect(taskId).toMatch(/^\d+$/)
    expect(await call({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }, taskId)).toMatchObject(passes)
  })
})

describe('input is checked like the gateway checks it', () => {
  it.each([
    [['app', 'create', 'x'.repeat(33)], 'app code cannot be longer than 32 characters'],
    [['app', 'create', 'longsecret', '--secret', 's'.repeat(129)], 'app secret cannot be longer than 128 characters'],
    [['app', 'create', 'badrate', '--rate', '10/0s'], 'rate window "10/0s"'],
    [['app', 'create', 'badbiz', '--biz', '2,x'], '--biz takes digit-only business ids'],
    [['app', 'create', 'badres', '--resources', 'operate_nodes'], 'unknown resource operate_nodes'],
    [['app', 'create', 'esb_test'], 'app esb_test already exists'],
    [['app', 'show', 'nobody'], 'no app nobody'],
    [['app', 'grant', 'esb_test'], 'needs --biz and/or --resources'],
    [['app', 'revoke', 'esb_test', '--biz', '3'], "app revoke esb_test --biz '*'"],
    [['app', 'retire-secret', 'esb_test'], 'has a single secret'],
    [['token', 'add', 'tok', 'bob', '--ttl', '8 hours'], '--ttl takes a positive duration'],
    [['app', 'show', 'esb_test', '--bogus'], "Unknown option '--bogus'"],
    [['app', 'show'], 'wrong number of arguments'],
    [['task', 'create', 'tree.json'], 'task create needs --biz'],
    [['task', 'create', 'tree.json', '--biz', '2', '--remote'], 'local reference engine only'],
    [['jwt', 'rotate', '--remote'], 'Worker secret'],
    [['app', 'frobnicate'], 'unknown command "app frobnicate"'],
  ])('%j is refused', { concurrent: true }, async (args, message) => {
    const result = await admin(...args)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(message)
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('every command has --help', async () => {
    const overview = await admin('--help')
    const commands = [...overview.stdout.matchAll(/^ {2}([a-z]+ [a-z-]+)/gm)].map((m) => m[1]!)
    expect(commands).toContain('app create')
    expect(commands).toContain('jwt public-key')
    const helps = await Promise.all(commands.map((command) => admin(...command.split(' '), '--help')))
    helps.forEach((help, i) => {
      expect(help.code, commands[i]).toBe(0)
      expect(help.stdout).toContain(`usage: npm run admin -- ${commands[i]}`)
    })
  })
})
