/**
 * The admin CLI, run as a user runs it (a child process on a temporary local state), judged by what
 * the real gateway then lets through on that same state, and by what a script can read of its output.
 */
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunnerTask } from 'vitest'
import { cli, runScript, startGateway, tempStateDir } from './admin-helpers.ts'
import { localState } from '../../scripts/lib/state.ts'

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

const ANSI = /\x1b\[/

/** The commands run with --json in this file; an afterAll at its end checks that none was left out. */
const jsonChecked = new Set<string>()

/** A command with --json: it succeeds, and its stdout is one JSON document and nothing else. */
async function adminJson(args: string[], env: Record<string, string> = {}) {
  const result = await runScript('admin', [...args, '--json', '--state', state], env)
  expect(result.code, result.stderr).toBe(0)
  expect(result.stdout).not.toMatch(ANSI)
  jsonChecked.add(args.slice(0, 2).join(' '))
  return { json: JSON.parse(result.stdout), stderr: result.stderr }
}

/** get_task_status of a task in business 2 (demo task 12 by default), with the credentials in X-Bkapi-Authorization. */
async function call(credentials: Record<string, string>, taskId: string | number = 12) {
  const res = await gateway.fetch(`http://localhost/api/bk-sops/prod/get_task_status/${taskId}/2/`, {
    headers: { 'X-Bkapi-Authorization': JSON.stringify(credentials) },
  })
  const body = (await res.json()) as { result: boolean; code: number; message: string }
  return { status: res.status, ...body }
}

const passes = { status: 200, result: true }

/** The line that shows a new secret, and the note under it: the same after `app create` and `app rotate`. */
function printedSecret(stdout: string, code: string): string {
  const secret = new RegExp(`^bk_app_secret of ${code}: (\\S+)\\n\\(shown this once: only its hash is stored\\)$`, 'm').exec(stdout)?.[1]
  if (!secret) throw new Error(`no secret in: ${stdout}`)
  return secret
}

/** An app's credentials with a bk_token: what `call` sends for it, whichever secret is tried. */
const credentialsOf = (bk_app_code: string, bk_token: string) => (bk_app_secret: string) => ({ bk_app_code, bk_app_secret, bk_token })

/** `app create` of an app the calling case alone uses, granted get_task_status in business 2; its printed secret. */
async function newApp(code: string, ...options: string[]): Promise<string> {
  const created = await admin('app', 'create', code, '--biz', '2', '--resources', 'get_task_status', ...options)
  expect(created.code, created.stderr).toBe(0)
  return printedSecret(created.stdout, code)
}

/**
 * An app (as newApp) and a bk_token for alice that the calling case alone uses: cases share the
 * gateway and its state, never an app or token another case made or changed, so each passes alone and
 * in any order.
 */
async function appWithToken(code: string) {
  const bk_token = `tok-${code}`
  const [secret, token] = await Promise.all([newApp(code), admin('token', 'add', bk_token, 'alice', '--ttl', '1h')])
  expect(token.code, token.stderr).toBe(0)
  return { secret, app: credentialsOf(code, bk_token) }
}

describe('app and token lifecycle through the gateway', () => {
  it('a created app works with its printed secret, and a wrong secret fails', async () => {
    const created = await admin('app', 'create', 'ops_portal', '--biz', '2', '--resources', 'get_task_status')
    expect(created.code).toBe(0)
    const secret = printedSecret(created.stdout, 'ops_portal')
    const { json: token } = await adminJson(['token', 'add', 'tok-alice', 'alice', '--ttl', '1h'])
    expect(token).toMatchObject({ username: 'alice', expired: false, fingerprint: expect.stringMatching(/^[0-9a-f]{8}$/) })

    const app = credentialsOf('ops_portal', 'tok-alice')
    expect(await call(app(secret))).toMatchObject(passes)
    expect(await call(app('not-the-secret'))).toMatchObject({
      status: 400,
      code: 1640001,
      message: 'Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]',
    })
  })

  it('after rotate both secrets work; after retire-secret only the new one', async () => {
    const { secret: first, app } = await appWithToken('rotated_app')
    const rotated = await admin('app', 'rotate', 'rotated_app')
    expect(rotated.code).toBe(0)
    const second = printedSecret(rotated.stdout, 'rotated_app')
    expect(second).not.toBe(first)
    expect(await call(app(first))).toMatchObject(passes)
    expect(await call(app(second))).toMatchObject(passes)

    const third = await admin('app', 'rotate', 'rotated_app')
    expect(third.code).toBe(1)
    expect(third.stderr).toContain('retire the older one first')

    const { json: retired } = await adminJson(['app', 'retire-secret', 'rotated_app'])
    expect(retired.secrets).toHaveLength(1)
    expect(await call(app(first))).toMatchObject({ status: 400, code: 1640001 })
    expect(await call(app(second))).toMatchObject(passes)
  })

  it('--remote creates and rotates secrets that the gateway accepts, without the operator holding the pepper', async () => {
    // What an operator has for --remote: the gateway's address and its admin token; no CREDENTIAL_PEPPER.
    const remote = { SOPS_EDGE_URL: gateway.base, ADMIN_TOKEN: parseEnv(readFileSync(localState(state).devVarsPath, 'utf8')).ADMIN_TOKEN!, CREDENTIAL_PEPPER: '' }
    const [created, token] = await Promise.all([
      runScript('admin', ['app', 'create', 'remote_app', '--biz', '2', '--resources', 'get_task_status', '--remote'], remote),
      admin('token', 'add', 'tok-remote', 'alice', '--ttl', '1h'),
    ])
    expect(created.code, created.stderr).toBe(0)
    expect(token.code, token.stderr).toBe(0)
    const remoteApp = credentialsOf('remote_app', 'tok-remote')
    expect(await call(remoteApp(printedSecret(created.stdout, 'remote_app')))).toMatchObject(passes)
    const rotated = await runScript('admin', ['app', 'rotate', 'remote_app', '--remote'], remote)
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(await call(remoteApp(printedSecret(rotated.stdout, 'remote_app')))).toMatchObject(passes)
    // The admin token is still needed to have a secret hashed.
    const refused = await runScript('admin', ['app', 'rotate', 'remote_app', '--remote'], { ...remote, ADMIN_TOKEN: 'not-the-token' })
    expect(refused.stderr).toContain('HTTP 403')
  })

  it('a disabled app is refused until enabled again', async () => {
    const { secret, app } = await appWithToken('disabled_app')
    expect((await adminJson(['app', 'disable', 'disabled_app'])).json).toMatchObject({ bk_app_code: 'disabled_app', disabled: true })
    expect(await call(app(secret))).toMatchObject({ status: 400, code: 1640001, message: expect.stringContaining('disabled') })
    expect((await adminJson(['app', 'enable', 'disabled_app'])).json).toMatchObject({ disabled: false })
    expect(await call(app(secret))).toMatchObject(passes)
  })

  it('grant and ungrant change what passes, and say what they changed', async () => {
    const { secret, app } = await appWithToken('granted_app')
    const ungranted = (await adminJson(['app', 'ungrant', 'granted_app', '--biz', '2'])).json
    expect(ungranted).toMatchObject({ ungranted: { biz: ['2'] }, app: { permissions: { biz: [], resources: ['get_task_status'] } } })
    expect(await call(app(secret))).toMatchObject({ status: 403, code: 1640301 })
    const granted = (await adminJson(['app', 'grant', 'granted_app', '--biz', '*'])).json
    expect(granted).toMatchObject({ granted: { biz: '*' }, app: { permissions: { biz: '*' } } })
    expect(await call(app(secret))).toMatchObject(passes)

    // `revoke`, the old name, does the same and says so.
    const revoked = await adminJson(['app', 'revoke', 'granted_app', '--resources', 'get_task_status'])
    expect(revoked.json).toMatchObject({ ungranted: { resources: ['get_task_status'] }, app: { permissions: { resources: [] } } })
    expect(revoked.stderr).toContain('app revoke is app ungrant: it removes grants; the app stays')
    expect(await call(app(secret))).toMatchObject({ status: 403, code: 1640301 })
    const text = await admin('app', 'grant', 'granted_app', '--resources', 'operate_task,get_task_status')
    expect(text.stdout.split('\n')[0]).toBe('granted granted_app: resources operate_task,get_task_status')
    expect(text.stdout).toContain('resources  operate_task, get_task_status')
    expect(await call(app(secret))).toMatchObject(passes)
  })

  it('set-rate takes the documented syntax, and the gateway enforces it', async () => {
    const { secret, app } = await appWithToken('rated_app')
    // A new app, so no call was counted before; 1 per 2m, so the second call surely falls in the first's window.
    const { json: limited } = await adminJson(['app', 'set-rate', 'rated_app', '1/2m, 100 / 1d'])
    expect(limited.rate_limits).toEqual([
      { tokens: 1, period: 120 },
      { tokens: 100, period: 86_400 },
    ])
    expect(await call(app(secret))).toMatchObject(passes)
    expect(await call(app(secret))).toMatchObject({ status: 429, code: 1642903 })
    // Echoed in the form it takes: 60s as 1m, 3600s as 1h; in the list too.
    expect((await admin('app', 'set-rate', 'rated_app', '100/3600s,10/60s')).stdout.split('\n')[0]).toBe('rate of rated_app: 100/1h,10/1m')
    expect((await admin('app', 'list')).stdout).toMatch(/^rated_app .* 100\/1h,10\/1m /m)
    expect((await adminJson(['app', 'set-rate', 'rated_app', 'default'])).json.rate_limits).toBeNull()
  })

  it('lists apps in aligned columns', async () => {
    // Beside the seeded esb_test, an app whose cells differ in width from esb_test's, so columns need padding.
    await newApp('listed_in_columns_app', '--rate', '10/1s,600/1m')
    const lines = (await admin('app', 'list')).stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^APP +STATUS +USERS +RESOURCES +BIZ +RATE +SECRETS$/)
    expect(lines.length).toBeGreaterThan(2)
    // Every column starts where its heading does.
    for (const heading of ['STATUS', 'USERS', 'RESOURCES', 'BIZ', 'RATE', 'SECRETS']) {
      const at = lines[0]!.indexOf(heading)
      for (const line of lines.slice(1)) expect(line[at - 1], `${heading} in ${line}`).toBe(' ')
      for (const line of lines.slice(1)) expect(line[at], `${heading} in ${line}`).not.toBe(' ')
    }
  })

  it('a revoked token fails', async () => {
    const { secret, app } = await appWithToken('revoked_token_app')
    expect(await call(app(secret))).toMatchObject(passes)
    expect((await adminJson(['token', 'revoke', 'tok-revoked_token_app'])).json).toMatchObject({ username: 'alice' })
    expect(await call(app(secret))).toMatchObject({ status: 400, code: 1640001 })
    expect((await admin('token', 'show', 'tok-revoked_token_app')).code).toBe(1)
    expect((await adminJson(['token', 'show', 'xxx'])).json).toMatchObject({ username: 'admin', expired: false })
  })

  it('show and list never print a secret', async () => {
    const codes = (apps: { bk_app_code: string }[]) => apps.map((a) => a.bk_app_code)
    // Other cases add apps to the shared state: the list before this case's app is the baseline.
    const before = codes((await adminJson(['app', 'list'])).json)
    expect(before).toContain('esb_test')
    const first = await newApp('shown_app')
    const rotated = await admin('app', 'rotate', 'shown_app')
    expect(rotated.code, rotated.stderr).toBe(0)
    const second = printedSecret(rotated.stdout, 'shown_app')

    const shown = await admin('app', 'show', 'shown_app')
    const listed = await admin('app', 'list')
    const shownJson = await adminJson(['app', 'show', 'shown_app'])
    const listedJson = await adminJson(['app', 'list'])
    for (const out of [shown.stdout, listed.stdout, JSON.stringify(shownJson.json), JSON.stringify(listedJson.json)]) {
      expect(out).toContain('shown_app')
      expect(out).not.toContain(first)
      expect(out).not.toContain(second)
    }
    expect(shown.stdout).toMatch(/secrets\s+[0-9a-f]{8} \(since/)
    // Every app, in order of code: exactly the apps before, and the new one in its place.
    expect(codes(listedJson.json)).toEqual([...before, 'shown_app'].sort())
  })

  it('a user-exempt app may name its user with bk_username alone, others may not', async () => {
    const [{ json }, verifiedUsersSecret] = await Promise.all([
      adminJson(['app', 'create', 'robot', '--user-exempt', '--biz', '2', '--resources', '*']),
      newApp('verified_users_app'),
    ])
    expect(json.app).toMatchObject({ bk_app_code: 'robot', user_exempt: true })
    expect(await call({ bk_app_code: 'robot', bk_app_secret: json.secret, bk_username: 'robot-user' })).toMatchObject(passes)
    expect(await call({ bk_app_code: 'verified_users_app', bk_app_secret: verifiedUsersSecret, bk_username: 'alice' })).toMatchObject({
      status: 400,
      code: 1640001,
    })

    const { json: rotated } = await adminJson(['app', 'rotate', 'robot'])
    expect(rotated.app.secrets).toHaveLength(2)
    expect(await call({ bk_app_code: 'robot', bk_app_secret: rotated.secret, bk_username: 'robot-user' })).toMatchObject(passes)
  })

  it('task create makes a task the running gateway then serves', async () => {
    const { json } = await adminJson(['task', 'create', 'engine/src/demo/task-12-failed-activity.json', '--biz', '2', '--start'])
    expect(json).toEqual({ task_id: expect.any(Number), biz: '2', started: true })
    expect(await call({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }, json.task_id)).toMatchObject(passes)
  })

  it("keeps wrangler's notices on stderr, without colour codes, when the CLI runs the Worker itself", async () => {
    const idle = tempStateDir()
    expect((await cli('dev', idle, '--setup-only')).code).toBe(0)
    // Makes wrangler say where it read secrets from (and from where: this project's .dev.vars if any).
    const env = { CLOUDFLARE_INCLUDE_PROCESS_ENV: 'true', FORCE_COLOR: '1' }
    const result = await runScript('admin', ['task', 'create', 'engine/src/demo/task-12-failed-activity.json', '--biz', '2', '--json', '--state', idle], env)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('Using secrets defined in')
    expect(result.stderr).not.toMatch(ANSI)
    expect(JSON.parse(result.stdout)).toEqual({ task_id: expect.any(Number), biz: '2', started: false })
  })

  it('jwt public-key prints the public key the engine verifies with', async () => {
    const { json } = await adminJson(['jwt', 'public-key'])
    expect(json.public_key).toBe(parseEnv(readFileSync(localState(state).devVarsPath, 'utf8')).APIGW_PUBLIC_KEY)
  })
})

describe('jwt rotate', () => {
  it('writes a new pair to .dev.vars and prints its public key, saying to restart on stderr', async () => {
    const other = tempStateDir()
    const result = await runScript('admin', ['jwt', 'rotate', '--state', other])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[^]+\n-----END PUBLIC KEY-----\n$/)
    expect(result.stderr).toContain('restart `npm run dev`')
    const { json } = await runScript('admin', ['jwt', 'rotate', '--state', other, '--json']).then((r) => ({ json: JSON.parse(r.stdout) }))
    expect(json.public_key).toBe(parseEnv(readFileSync(localState(other).devVarsPath, 'utf8')).APIGW_PUBLIC_KEY)
    jsonChecked.add('jwt rotate')
  })
})

describe('global options go anywhere on the line', () => {
  it.each([
    [['--json', '--state', state, 'app', 'show', 'esb_test']],
    [['app', '--state', state, 'show', '--json', 'esb_test']],
    [['app', 'show', 'esb_test', '--json', '--state', state]],
  ])('%j', { concurrent: true }, async (args) => {
    const result = await runScript('admin', args)
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ bk_app_code: 'esb_test' })
  })

  it.each([
    [['--remote', 'jwt', 'public-key'], 'cannot be read back'],
    [['--remote', 'task', 'create', 'tree.json', '--biz', '2'], 'local reference engine only'],
    [['--state', state, '--bogus', 'app', 'list'], "Unknown option '--bogus'"],
  ])('%j is understood before it is refused', { concurrent: true }, async (args, message) => {
    const result = await runScript('admin', args)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
  })

  it('-h before the command is its help', async () => {
    const result = await runScript('admin', ['-h', 'app', 'list'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('usage: npm run admin -- app list')
  })
})

describe('input is checked like the gateway checks it', () => {
  const keys = tempStateDir()
  const ecKey = join(keys, 'ec.pem')
  const publicKey = join(keys, 'public.pem')
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  writeFileSync(ecKey, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))
  writeFileSync(publicKey, ec.publicKey.export({ type: 'spki', format: 'pem' }))

  it.each([
    [['app', 'create', 'x'.repeat(33)], 'app code cannot be longer than 32 characters'],
    [['app', 'create', 'longsecret', '--biz', '2', '--resources', '*', '--secret', 's'.repeat(129)], 'app secret cannot be longer than 128 characters'],
    [['app', 'create', 'nothing'], 'app create needs both --biz and --resources'],
    [['app', 'create', 'nobiz', '--resources', '*'], "allow all with --biz '*' --resources '*'"],
    [['app', 'create', 'nores', '--biz', '2'], 'app create needs both --biz and --resources'],
    [['app', 'create', 'badrate', '--biz', '2', '--resources', '*', '--rate', '10/0s'], 'rate window "10/0s" is not valid'],
    [['app', 'create', 'badrate', '--biz', '2', '--resources', '*', '--rate', '10/1.5s'], 'whole number of s, m, h or d'],
    [['app', 'create', 'badrate', '--biz', '2', '--resources', '*', '--rate', '10/2d'], 'from 1s to 1d'],
    [['app', 'create', 'badrate', '--biz', '2', '--resources', '*', '--rate', '1/1s,2/1s,3/1s,4/1s,5/1s'], 'at most 4 rate windows'],
    [['app', 'set-rate', 'esb_test', '10/1w'], 'rate window "10/1w" is not valid'],
    [['app', 'create', 'badbiz', '--biz', '2,x', '--resources', '*'], '--biz takes digit-only business ids'],
    [['app', 'create', 'badres', '--biz', '2', '--resources', 'operate_nodes'], 'unknown resource operate_nodes'],
    [['app', 'create', 'esb_test', '--biz', '2', '--resources', '*'], 'app esb_test already exists'],
    [['app', 'show', 'nobody'], 'no app nobody'],
    [['app', 'grant', 'esb_test'], 'needs --biz and/or --resources'],
    [['app', 'ungrant', 'esb_test', '--biz', '3'], "app ungrant esb_test --biz '*'"],
    [['app', 'retire-secret', 'esb_test'], 'has a single secret'],
    [['token', 'add', 'tok', 'bob', '--ttl', '8 fortnights'], '--ttl takes a positive duration such as 90s, 30m, 8h (or "8 hours") or 7d'],
    [['token', 'add', 'tok', 'bob', '--ttl', '8', 'hours'], 'unexpected argument "hours": --ttl takes its value as one word; quote it: --ttl "8 hours"'],
    [['app', 'show', 'esb_test', 'extra'], 'unexpected argument "extra"\nusage: npm run admin -- app show <bk_app_code>'],
    [['app'], '"app" needs a subcommand:\n  npm run admin -- app create'],
    [['app', 'show', 'esb_test', '--ttl', '1h'], "Unknown option '--ttl'"],
    [['app', 'show'], 'wrong number of arguments'],
    [['task', 'create', 'tree.json'], 'task create needs --biz'],
    [['task', 'create', 'tree.json', '--biz', '2', '--remote'], 'local reference engine only'],
    [['demo', 'reset', '--remote'], 'local reference engine only'],
    [['jwt', 'rotate', '--remote'], 'Worker secret'],
    [['jwt', 'public-key', '--key', ecKey], `${ecKey} holds a key of type ec, not RSA`],
    [['jwt', 'public-key', '--key', publicKey], `${publicKey} is not a private key`],
    [['app', 'frobnicate'], 'unknown command "app frobnicate":\n  npm run admin -- app create'],
  ])('%j is refused', { concurrent: true }, async (args, message) => {
    const result = await admin(...args)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(message)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.stdout).toBe('')
  })

  it('every command has --help', async () => {
    const helps = await Promise.all(commands.map((command) => admin(...command.split(' '), '--help')))
    helps.forEach((help, i) => {
      expect(help.code, commands[i]).toBe(0)
      expect(help.stdout).toContain(`usage: npm run admin -- ${commands[i]}`)
    })
  })
})

let commands: string[] = []
beforeAll(async () => {
  const overview = await runScript('admin', ['--help'])
  commands = [...overview.stdout.matchAll(/^ {2}([a-z]+ [a-z-]+)/gm)].map((m) => m[1]!)
  expect(commands).toContain('app create')
})

/** The tests under a file or suite, however nested. */
const testsIn = (task: RunnerTask): RunnerTask[] => ('tasks' in task ? task.tasks.flatMap(testsIn) : [task])

/**
 * Every command was run with --json in this file (demo reset in admin-demo.test.ts). Checked after all
 * cases, in whatever order they ran; only when every one ran and passed, since a case run alone (-t) or
 * one that failed part way leaves the record short. ({}: vitest refuses a hook whose first parameter,
 * its context, is not destructured.)
 */
// `client …` needs a running gateway (OAuth clients live in the authorization server): test/worker/oauth.test.ts.
afterAll(({}, file) => {
  if (!testsIn(file).every((test) => test.result?.state === 'pass')) return
  expect([...jsonChecked].sort()).toEqual(commands.filter((c) => c !== 'demo reset' && !c.startsWith('client ')).sort())
})
