/**
 * `sops-edge/client` as a front-end project gets it: the project packed with `npm pack`, the tarball
 * installed into a new project whose tsconfig is plain and strict (no ambient types, libraries checked),
 * a correct program and the README's two examples compiled and a wrong one refused, then the compiled
 * program run against `npm run dev` on the machine's Node 20 and in Chromium, and the README's
 * front-end example through its whole sign-in in Chromium.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { cli } from './admin-helpers.ts'
import { type Browser, browserSkipReason, launchChromium } from './browser.ts'
import { type DevServer, startDev } from './dev-server.ts'
import { decide } from './sign-in.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '../..')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const DOCUMENTED_BASE = 'http://localhost:8787'

/** The first TypeScript example of the README's section of that title. */
async function readmeExample(section: string): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const example = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(`## ${section}`)))?.[1]
  if (!example) throw new Error(`README.md has no TypeScript example in its section ${section}`)
  return example
}

/** The machine's Node 20 (npm scripts run Node 24 from node_modules), if there is one. */
function findNode20(): string | undefined {
  const found = execFileSync('sh', ['-c', 'which -a node || true'], { encoding: 'utf8' }).split('\n')
  for (const candidate of ['/usr/local/bin/node', '/usr/bin/node', ...found].filter(Boolean)) {
    try {
      if (execFileSync(candidate, ['-v'], { encoding: 'utf8' }).startsWith('v20.')) return candidate
    } catch {
      // not there
    }
  }
  return undefined
}
const NODE20 = findNode20()

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    types: [],
    skipLibCheck: false,
    outDir: 'out',
  },
}

/** What a front-end does with the client: read a node's state, retry the node, and show the gateway's errors. */
const FRONT_END = `
import { type Credentials, type ErrorEnvelope, type TaskStatus, pkceLogin, sopsClient } from 'sops-edge/client'

const describe = (error: ErrorEnvelope) =>
  [error.code_name, ...(error.errors ?? []).map((problem) => problem.path + ': ' + problem.message)].join(' | ')

export function frontEnd(baseUrl: string, credentials: Credentials) {
  const prod = sopsClient(baseUrl, credentials).api['bk-sops'].prod
  return {
    async nodeState(taskId: string, nodeId: string): Promise<string> {
      const res = await prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param: { task_id: taskId, bk_biz_id: '2' } })
      if (res.status !== 200) return describe(await res.json())
      const answer = await res.json()
      if (!answer.result) return 'SOPS refused: ' + answer.message
      const tree: TaskStatus = answer.data
      return tree.children?.[nodeId]?.state ?? 'absent'
    },
    async retry(taskId: string, nodeId: string): Promise<string> {
      const res = await prod.operate_node[':bk_biz_id'][':task_id'].$post({
        param: { bk_biz_id: '2', task_id: taskId },
        json: { node_id: nodeId, action: 'retry' },
      })
      if (res.status !== 200) return describe(await res.json())
      const answer = await res.json()
      return answer.result ? answer.data : 'SOPS refused: ' + answer.message
    },
    async startTaskZero(): Promise<string> {
      const res = await prod.operate_task[':task_id'][':bk_biz_id'].$post({ param: { task_id: '0', bk_biz_id: '2' }, json: { action: 'start' } })
      return res.status === 200 ? 'accepted' : describe(await res.json())
    },
  }
}

/** The login helper's types reach the consumer: one without its redirect URI does not compile. */
export const incompleteLogin = () =>
  // @ts-expect-error redirectUri is missing
  pkceLogin({ issuer: 'https://sops-edge.example.com', clientId: 'c' })

/** Retries a failed node and reports what the gateway said at each step. */
export async function retryStory(baseUrl: string, credentials: Credentials, taskId: string, nodeId: string) {
  const api = frontEnd(baseUrl, credentials)
  const before = await api.nodeState(taskId, nodeId)
  const retried = await api.retry(taskId, nodeId)
  let after = await api.nodeState(taskId, nodeId)
  for (let i = 0; i < 50 && (after === 'RUNNING' || after === 'READY'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = await api.nodeState(taskId, nodeId)
  }
  return { before, retried, after, invalid: await api.startTaskZero() }
}
`

const WRONG_ACTION = `
import { sopsClient } from 'sops-edge/client'
const prod = sopsClient('http://localhost:8787', { bk_app_code: 'a', bk_app_secret: 's', bk_token: 't' }).api['bk-sops'].prod
await prod.operate_node[':bk_biz_id'][':task_id'].$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id: 'n', action: 'explode' } })
`

/** Node 20 runs the compiled program against the gateway. */
const NODE_RUNNER = `
import { retryStory } from './out/front-end.js'
const story = await retryStory(process.argv[2], { bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }, '12', 'node_id')
console.log(JSON.stringify({ ...story, node: process.version }))
`

/** The same program in a page on the gateway's origin. */
const PAGE = `<!doctype html>
<script type="importmap">{ "imports": { "sops-edge/client": "/consumer/client.js" } }</script>
<script type="module">
  import { retryStory } from '/consumer/front-end.js'
  const taskId = new URLSearchParams(location.search).get('task')
  window.story = retryStory(location.origin, { bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }, taskId, 'node_id')
</script>`

/** The README's front-end example on a page with its two buttons. */
const README_PAGE = `<!doctype html>
<script type="importmap">{ "imports": { "sops-edge/client": "/client.js" } }</script>
<button id="sign-in">Sign in</button> <button id="sign-out">Sign out</button>
<script type="module" src="/readme-front-end.js"></script>`

/** The front-end's own origin, as in the README: it serves these files, and calls the gateway (CORS_ORIGINS). */
const frontEndFiles = new Map<string, { type: string; body: string | Buffer }>()
const frontEnd: Server = createServer((req, res) => {
  const file = frontEndFiles.get(new URL(req.url ?? '/', 'http://front-end').pathname)
  res.writeHead(file ? 200 : 404, { 'Content-Type': file?.type ?? 'text/plain' }).end(file?.body ?? 'not found')
})
let frontEndOrigin: string

let consumer: string
let stateDir: string
let dev: DevServer | undefined

const tsc = (project: string) => run(process.execPath, [TSC, '-p', project], { cwd: consumer }).then(
  () => ({ code: 0, output: '' }),
  (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
)

/** The correct program and the README's example compiled into out/: once, by the first test that needs them. */
let compiling: ReturnType<typeof tsc> | undefined
const compiled = () => (compiling ??= tsc('tsconfig.json'))

beforeAll(async () => {
  await new Promise<void>((resolve) => frontEnd.listen(0, '127.0.0.1', resolve))
  frontEndOrigin = `http://127.0.0.1:${(frontEnd.address() as AddressInfo).port}`
  consumer = await mkdtemp(join(tmpdir(), 'sops-edge-consumer-'))
  // `npm test` has just built dist/ (as `prepare` does on install and pack); packing without scripts
  // keeps this test from rebuilding dist/ under the tests that read it meanwhile.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], { cwd: ROOT })
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
  expect(packed!.files.map((f) => f.path).sort()).toEqual(['README.md', 'dist/client.d.ts', 'dist/client.js', 'package.json'])
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'front-end', private: true, type: 'module' }))
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `./${packed!.filename}`], { cwd: consumer })
  await writeFile(join(consumer, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: ['front-end.ts', 'readme-example.ts', 'readme-front-end.ts'] }))
  await writeFile(join(consumer, 'tsconfig.wrong.json'), JSON.stringify({ ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, noEmit: true }, files: ['wrong.ts'] }))
  await writeFile(join(consumer, 'front-end.ts'), FRONT_END)
  await writeFile(join(consumer, 'wrong.ts'), WRONG_ACTION)
  await writeFile(join(consumer, 'run.mjs'), NODE_RUNNER)
  await writeFile(join(consumer, 'readme-example.ts'), await readmeExample('The typed client'))
  await writeFile(join(consumer, 'readme-front-end.ts'), await readmeExample('Front-ends'))
}, 120_000)

/** `npm run dev` on a fresh state, started by the first test that needs it. */
async function gateway(): Promise<DevServer> {
  if (!dev) {
    stateDir = await mkdtemp(join(tmpdir(), 'sops-edge-consumer-state-'))
    dev = await startDev(stateDir, ['--var', `CORS_ORIGINS:${frontEndOrigin}`])
  }
  return dev
}

afterAll(async () => {
  frontEnd.close()
  await dev?.stop()
  await rm(consumer, { recursive: true, force: true })
  if (stateDir) await rm(stateDir, { recursive: true, force: true })
})

it("compiles a correct program and the README's examples under a plain strict tsconfig, with no types of ours", async () => {
  expect(await compiled()).toEqual({ code: 0, output: '' })
}, 60_000)

it('refuses a wrong action at compile time', async () => {
  const { code, output } = await tsc('tsconfig.wrong.json')
  expect(code).not.toBe(0)
  // One error, on the action, naming the actions there are.
  expect(output.trim().split('\n')).toEqual([expect.stringMatching(/^wrong\.ts\(4,\d+\): error TS2322: Type '"explode"' is not assignable to type '[^']*"skip_exg"[^']*'/)])
}, 60_000)

it(`runs the compiled program and the README's example on Node 20${NODE20 ? '' : ' (skipped: no Node 20 on this machine)'}`, async ({ skip }) => {
  if (!NODE20) return skip()
  expect((await compiled()).code).toBe(0)
  const { base } = await gateway()
  const { stdout } = await run(NODE20, ['run.mjs', base], { cwd: consumer })
  expect(JSON.parse(stdout)).toEqual({
    before: 'FAILED',
    retried: 'success',
    after: 'FINISHED',
    invalid: 'REQUEST_PARAM_INVALID | task_id: must be a positive integer',
    node: expect.stringMatching(/^v20\./),
  })
  // The example names the documented address; here the gateway listens elsewhere.
  const example = (await readFile(join(consumer, 'out/readme-example.js'), 'utf8')).replaceAll(DOCUMENTED_BASE, base)
  await writeFile(join(consumer, 'out/readme-example-here.js'), example)
  expect((await run(NODE20, ['out/readme-example-here.js'], { cwd: consumer })).stdout).toBe('FAILED\nsuccess\n')
}, 120_000)

it(`runs it in Chromium on the gateway's origin${browserSkipReason ? ` (${browserSkipReason})` : ''}`, async ({ skip }) => {
  if (browserSkipReason) return skip()
  const { base } = await gateway()
  // A task of its own with a failed activity, made as an operator would (the CLI, on the same state).
  const created = await cli('admin', stateDir, 'task', 'create', 'engine/src/demo/task-12-failed-activity.json', '--biz', '2', '--start')
  expect(created.code, created.stderr).toBe(0)
  expect((await compiled()).code).toBe(0) // out/front-end.js
  const scripts: Record<string, string> = {
    'client.js': join(consumer, 'node_modules/sops-edge/dist/client.js'),
    'front-end.js': join(consumer, 'out/front-end.js'),
  }
  let browser: Browser | undefined
  try {
    browser = await launchChromium()
    const { context } = browser
    // The page and its scripts come from the consumer project; every other request reaches the gateway.
    await context.route(`${base}/consumer/**`, async (route) => {
      const name = new URL(route.request().url()).pathname.replace('/consumer/', '')
      if (name === 'index.html') return route.fulfill({ contentType: 'text/html', body: PAGE })
      const script = scripts[name]
      return script ? route.fulfill({ contentType: 'text/javascript', body: await readFile(script) }) : route.fulfill({ status: 404 })
    })
    const page = await context.newPage()
    await page.goto(`${base}/consumer/index.html?task=${created.stdout.trim()}`)
    const story = await page.evaluate(() => (window as unknown as { story: Promise<unknown> }).story)
    expect(story).toEqual({
      before: 'FAILED',
      retried: 'success',
      after: 'FINISHED',
      invalid: 'REQUEST_PARAM_INVALID | task_id: must be a positive integer',
    })
  } finally {
    await browser?.close()
  }
}, 120_000)

it(`runs the README's front-end example in Chromium: sign in, get_task_status, sign out${browserSkipReason ? ` (${browserSkipReason})` : ''}`, async ({ skip }) => {
  if (browserSkipReason) return skip()
  const { base } = await gateway()
  const redirectUri = `${frontEndOrigin}/`
  // The README's first command, on this gateway, for the demo's app.
  const added = await cli('admin', stateDir, 'client', 'add', 'my-front-end', '--app', 'esb_test', '--redirect-uri', redirectUri, '--scope', 'resource:get_task_status biz:2')
  expect(added.code, added.stderr).toBe(0)
  expect((await compiled()).code).toBe(0) // out/readme-front-end.js
  // The example names the documented addresses and a placeholder; here they are these.
  const example = (await readFile(join(consumer, 'out/readme-front-end.js'), 'utf8'))
    .replaceAll('https://sops-edge.example.com', base)
    .replaceAll('https://front.example/', redirectUri)
    .replaceAll('<client_id>', added.stdout.trim())
  frontEndFiles.set('/', { type: 'text/html', body: README_PAGE })
  frontEndFiles.set('/client.js', { type: 'text/javascript', body: await readFile(join(consumer, 'node_modules/sops-edge/dist/client.js')) })
  frontEndFiles.set('/readme-front-end.js', { type: 'text/javascript', body: example })
  let browser: Browser | undefined
  try {
    browser = await launchChromium()
    const page = await browser.context.newPage()
    const logged: string[] = []
    page.on('console', (message) => void (message.type() === 'log' && logged.push(message.text())))
    await page.goto(redirectUri)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await decide(page)
    await page.waitForURL((url) => url.href === redirectUri) // back, the code gone from the address
    await expect.poll(() => logged).toHaveLength(1)
    const status = await fetch(`${base}/api/bk-sops/prod/get_task_status/12/2/`, {
      headers: { 'X-Bkapi-Authorization': JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }) },
    })
    expect(logged).toEqual([((await status.json()) as { data: { state: string } }).data.state])

    const { access_token } = await page.evaluate(() => JSON.parse(Object.values(sessionStorage)[0]!) as { access_token: string })
    const revoked = page.waitForResponse((response) => response.url() === `${base}/oauth/token`)
    await page.getByRole('button', { name: 'Sign out' }).click()
    expect((await revoked).status()).toBe(200)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    expect((await fetch(`${base}/api/bk-sops/prod/get_task_status/12/2/`, { headers: { Authorization: `Bearer ${access_token}` } })).status).toBe(401)
  } finally {
    await browser?.close()
  }
}, 120_000)
