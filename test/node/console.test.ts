/**
 * The operator console in headless Chromium against `npm run dev`, driven by the keyboard where a
 * person would use it: sign in through OAuth (the development login, the consent page, Allow, back),
 * with no app secret anywhere in the browser; open a task the admin CLI created with a failed node, see
 * it FAILED, press `retry <node>`, see it finish; the callback editor on a demo task; the business's
 * task list, a failed gateway skipped along a flow chosen from its outgoing flows, a task created from a
 * demo template and started, a node's inputs and log; the gateway's errors as the console shows them;
 * the access token refreshed once it expires; sign-out revoking it; a console client registered with
 * the CLI; no Content-Security-Policy violation throughout.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './admin-helpers.ts'
import { type Browser, browserSkipReason, launchChromium } from './browser.ts'
import { consoleClient, consoleTokens, pageStorage, signInToConsole } from './sign-in.ts'
import { type DevServer, startDev } from './dev-server.ts'

const LIMITED_APP = { code: 'console_limited', secret: 'limited-secret' }

let stateDir: string
let dev: DevServer
let browser: Browser
let page: Page
let createdTask: string
const cspViolations: string[] = []

async function admin(...args: string[]): Promise<string> {
  const result = await cli('admin', stateDir, ...args)
  if (result.code !== 0) throw new Error(`npm run admin -- ${args.join(' ')} failed:\n${result.stderr}`)
  return result.stdout.trim()
}

const node = (kind: string, id: string) => page.getByRole('region', { name: `${kind} ${id}` })
const outcome = () => page.locator('#outcome')

const bearer = (token: string) => fetch(`${dev.base}/api/bk-sops/prod/get_task_status/12/2/`, { headers: { Authorization: `Bearer ${token}` } })

async function load(bizId: string, taskId: string) {
  await page.getByLabel('Business ID', { exact: true }).fill(bizId)
  await page.getByLabel('Task ID', { exact: true }).fill(taskId)
  const answered = page.waitForResponse((response) => response.url().includes(`/get_task_status/${taskId}/${bizId}`))
  await page.keyboard.press('Enter')
  await answered
  // Until the answer is drawn the outcome reads `Load task … of business …` and an ellipsis.
  await expect.poll(() => outcome().textContent()).toMatch(new RegExp(`^Load task ${taskId} of business ${bizId}: `))
}

/** Presses a button from the keyboard, as a person tabbing to it would. */
async function press(name: string) {
  await page.getByRole('button', { name, exact: true }).focus()
  await page.keyboard.press('Enter')
}

describe.skipIf(browserSkipReason)(`the operator console${browserSkipReason ? ` (${browserSkipReason})` : ''}`, () => {
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sops-edge-console-'))
    dev = await startDev(stateDir)
    ;[createdTask] = await Promise.all([
      admin('task', 'create', 'engine/src/demo/task-12-failed-activity.json', '--biz', '2', '--start', '--name', 'Console test'),
      admin('app', 'create', LIMITED_APP.code, '--secret', LIMITED_APP.secret, '--biz', '*', '--resources', 'get_task_status', '--rate', '2/60s'),
    ])
    await consoleClient(dev.base)
    browser = await launchChromium()
    page = await browser.context.newPage()
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
    })
    await page.goto(`${dev.base}/console/`)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await dev?.stop()
    await rm(stateDir, { recursive: true, force: true })
  })

  it('asks for no app secret, and says why when the sign-in is denied', async () => {
    expect(await page.locator('input:visible, textarea:visible').count()).toBe(0) // the sign-in is a button
    await signInToConsole(page, 'Deny')
    await expect.poll(() => page.locator('#sign-in-problem').textContent()).toMatch(/^Not signed in: the gateway did not sign you in: access_denied/)
    expect(await page.getByLabel('Business ID', { exact: true }).isVisible()).toBe(false)
    expect(await pageStorage(page)).toEqual({ localStorage: {}, sessionStorage: {}, cookies: '', indexedDB: [] })
  })

  it('has a favicon, so no request of the page goes unanswered', async () => {
    const icon = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel=icon]')?.href)
    expect((await fetch(icon!)).status).toBe(200)
  })

  it('signs in through the consent page and keeps only its tokens, in sessionStorage', async () => {
    await signInToConsole(page)
    expect(await page.getByLabel('Business ID', { exact: true }).isVisible()).toBe(true)
    expect(await page.getByLabel(/secret/i).count()).toBe(0)
    const clientId = await consoleClient(dev.base)
    const stored = await pageStorage(page)
    // The bk_token login cookie is HttpOnly: the page cannot read it.
    expect(stored).toEqual({ localStorage: {}, sessionStorage: { [`sops-edge.login.${clientId}.session`]: expect.any(String) }, cookies: '', indexedDB: [] })
    expect(JSON.parse(Object.values(stored.sessionStorage)[0]!)).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), expires_at: expect.any(Number) })
    expect((await bearer((await consoleTokens(page)).access_token)).status).toBe(200)
  })

  it('shows the created task FAILED, retries its node and sees the task finish', async () => {
    expect(createdTask).toMatch(/^\d+$/)
    await load('2', createdTask)
    await expect.poll(() => page.locator('#task-name').textContent()).toBe('Console test FAILED')
    const failed = node('ServiceActivity', 'node_id')
    expect(await failed.textContent()).toContain('FAILED')
    expect(await failed.textContent()).toContain('retried 0×')
    expect(await failed.locator('.node-error').textContent()).toContain('fail_once')

    await press('retry node_id')
    await expect.poll(() => outcome().textContent()).toBe('retry node_id: success')
    await expect.poll(() => node('ServiceActivity', 'node_id').locator('.state').textContent()).toBe('FINISHED')
    expect(await node('ServiceActivity', 'node_id').textContent()).toContain('retried 1×')
    await expect.poll(() => page.locator('#task-name').textContent()).toMatch(/^Console test /)
    expect(page.url()).toMatch(new RegExp(`#2/${createdTask}$`))
  })

  it('sends a callback with the data written in its JSON editor', async () => {
    await load('2', '14')
    await press('callback approve')
    const editor = page.getByLabel('Callback data (a JSON object)')
    await editor.fill('{"approved": true')
    await press('Send callback')
    expect(await page.locator('#callback-problem').textContent()).toMatch(/^Not valid JSON/)
    await editor.fill('{"approved": true}')
    await press('Send callback')
    await expect.poll(() => outcome().textContent()).toBe('callback approve: success')
    await expect.poll(() => node('ServiceActivity', 'approve').locator('.state').textContent()).toBe('FINISHED')
  })

  it("lists the business's tasks with their states, and opens one from the list", async () => {
    await page.getByLabel('Business ID', { exact: true }).fill('2')
    await press('List tasks')
    const list = page.getByRole('region', { name: 'Tasks of business 2' })
    const row = list.getByRole('row').filter({ hasText: 'Demo: failed exclusive gateway' })
    await expect.poll(() => row.getByRole('cell').nth(1).textContent()).toBe('FAILED')
    // Newest first: the task the admin CLI created tops the list.
    expect(await list.getByRole('row').nth(1).textContent()).toContain(`task ${createdTask}`)
    expect(await list.textContent()).toMatch(/Tasks 1–\d+ of \d+/)
    const answered = page.waitForResponse((response) => response.url().includes('/get_task_status/13/2'))
    await row.getByRole('link').click()
    await answered
    await expect.poll(() => page.locator('#task-name').textContent()).toContain('Demo: failed exclusive gateway')
    expect(page.url()).toMatch(/#2\/13$/)
  })

  it("skips a failed gateway along a flow chosen from the gateway's outgoing flows", async () => {
    await load('2', '13')
    expect(await node('Gateway', 'choose').textContent()).toContain('all conditions of branches are not meet')
    await press('skip_exg choose')
    const choices = page.getByRole('group', { name: 'Flow to take' })
    await expect.poll(() => choices.getByRole('radio').count()).toBe(2)
    const production = choices.getByRole('radio', { name: /^flow_ok → Deploy to production \(deploy_prod\)/ })
    expect(await choices.textContent()).toContain('production: "${target}" == "prod"')
    await press('Skip to this flow')
    expect(await page.locator('#flow-problem').textContent()).toBe('Choose the flow to take.')
    await production.check()
    await press('Skip to this flow')
    await expect.poll(() => outcome().textContent()).toBe('skip_exg choose: success')
    await expect.poll(() => node('ServiceActivity', 'deploy_prod').locator('.state').textContent()).toBe('FINISHED')
    expect(await page.getByRole('region', { name: /deploy_test/ }).count()).toBe(0)
  })

  it('says why it lists no flows for another kind of gateway, and lets the operator type one', async () => {
    await load('2', '17')
    await press('skip_exg fanout')
    const dialog = page.getByRole('dialog')
    await expect.poll(() => dialog.locator('#flow-unlisted').textContent()).toBe('fanout is a ConditionalParallelGateway; skip_exg skips a failed exclusive gateway.')
    expect(await dialog.getByLabel('Flow ID').isVisible()).toBe(true)
    expect(await dialog.getByRole('radio').count()).toBe(0)
    await press('Cancel')
    expect(await dialog.isVisible()).toBe(false)
  })

  let newTask: string
  it('creates a task from a demo template with values for its constants, and starts it', async () => {
    await page.getByLabel('Business ID', { exact: true }).fill('2')
    await press('New task')
    const form = page.getByRole('region', { name: 'New task in business 2' })
    await expect.poll(() => form.getByLabel('Template').isVisible()).toBe(true)
    await form.getByLabel('Template').selectOption({ label: 'Demo template: release with a wait (template 1)' })
    const release = form.getByLabel('Release ${release}')
    await expect.poll(() => release.inputValue()).toBe('1.0.0')
    expect(await form.getByLabel('Release notes ${notes}').inputValue()).toBe('first release')
    expect(await form.getByLabel('Seconds to wait ${bk_timing}').inputValue()).toBe('0')
    await release.fill('3.1.4')
    await form.getByLabel('Task name').fill('Console release 3.1.4')
    await press('Create task')
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/Created "Console release 3\.1\.4" \(task \d+\)\./)
    newTask = /\(task (\d+)\)/.exec((await form.getByRole('status').textContent())!)![1]!
    await expect.poll(() => page.locator('#task-name').textContent()).toBe(`Task ${newTask} CREATED`) // SOPS names a task once it starts
    expect(page.url()).toMatch(new RegExp(`#2/${newTask}$`))

    await press(`Start task ${newTask}`)
    await expect.poll(() => form.getByRole('status').textContent()).toContain(`Start task ${newTask}: done`)
    // The template's timer runs on the engine's alarms: on a loaded machine the task may take a while to finish.
    await expect.poll(() => page.locator('#task-name').textContent(), { timeout: 30_000 }).toBe('Console release 3.1.4 FINISHED')
  })

  it("opens a node's panel: its inputs, outputs and log", async () => {
    await press('details prepare')
    const panel = page.getByRole('region', { name: 'Node prepare of task ' + newTask })
    await expect.poll(() => panel.locator('.log-text').textContent()).toContain('node prepare started')
    expect(await panel.textContent()).toContain('FINISHED')
    expect(await panel.locator('dl').first().textContent()).toContain('3.1.4') // the constant, rendered into the input
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('node-panel-title')
    await press('Close details of prepare')
    expect(await panel.count()).toBe(0)
  })

  it("shows the gateway's error: code_name, message and each invalid field", async () => {
    await load('2', '0')
    const shown = await outcome().textContent()
    expect(shown).toContain('REQUEST_PARAM_INVALID (HTTP 400, code 3540000)')
    expect(shown).toContain('Request parameters invalid')
    expect(await outcome().locator('.problems li').allTextContents()).toEqual(['task_id: must be a positive integer'])
  })

  it('asks before revoking, naming the task, and then offers nothing SOPS would refuse on the revoked task', async () => {
    await load('2', '15') // a subprocess running
    await press('revoke task')
    const dialog = page.getByRole('dialog')
    await expect.poll(() => dialog.getByRole('heading').textContent()).toMatch(/^Run revoke .*task 15.*\?$/)
    await press('Cancel')
    expect(await page.locator('#task-name').textContent()).not.toContain('REVOKED')
    await press('revoke task')
    await dialog.getByRole('button', { name: /^revoke / }).click()
    await expect.poll(() => outcome().textContent()).toBe('revoke task 15: success')
    await expect.poll(() => page.locator('#task-name').textContent()).toContain('REVOKED')
    const enabled = await page.locator('#task button:not([disabled])').allTextContents()
    expect(enabled.filter((name) => !name.startsWith('details '))).toEqual([])
    // Disabled buttons look it: greyed, not only unclickable.
    const look = await page.getByRole('button', { name: 'start task', exact: true }).evaluate((button) => getComputedStyle(button).opacity)
    expect(Number(look)).toBeLessThan(1)
  })

  it('shows times in one format, with the zone', async () => {
    const meta = await page.locator('.task-head .meta').allTextContents()
    const times = meta.join(' ').match(/(started|Updated) [^·]+/g) ?? []
    expect(times.length).toBeGreaterThanOrEqual(2)
    for (const time of times) expect(time).toMatch(/(UTC|GMT)/)
  })

  it('an hour later, refreshes its access token with its refresh token and goes on', async () => {
    const before = await consoleTokens(page)
    await page.clock.setSystemTime(Date.now() + 61 * 60_000)
    const refreshed = page.waitForRequest((request) => request.url().endsWith('/oauth/token') && /grant_type=refresh_token/.test(request.postData() ?? ''))
    await load('2', createdTask)
    await refreshed
    expect(await outcome().locator('.ok').count()).toBe(1)
    const after = await consoleTokens(page)
    expect(after.access_token).not.toBe(before.access_token)
    expect(after.refresh_token).not.toBe(before.refresh_token)
  })

  it('goes back to Sign in, saying why, once the gateway refuses its token (the grant revoked with the CLI)', async () => {
    await admin('client', 'revoke-grants', await consoleClient(dev.base), '--user', 'admin')
    // A revocation reaches every isolate within 10 s (README, Revocation delay): Load until it has.
    const loadButton = page.getByRole('button', { name: 'Load', exact: true })
    await expect
      .poll(
        async () => {
          if (await loadButton.isVisible()) await loadButton.click()
          return page.locator('#sign-in-problem').textContent()
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe('The gateway refused the access token (signed out elsewhere, or access revoked): sign in again.')
    expect(await pageStorage(page)).toEqual({ localStorage: {}, sessionStorage: {}, cookies: '', indexedDB: [] })
    await signInToConsole(page)
    // Back at the task that was open when Sign in was pressed.
    expect(page.url()).toBe(`${dev.base}/console/#2/${createdTask}`)
    await expect.poll(() => page.locator('#task-name').textContent()).toMatch(/^Console test /)
  })

  it('signs out: the tokens leave the browser and the gateway refuses them', async () => {
    const tokens = await consoleTokens(page)
    await press('Sign out')
    await expect.poll(() => page.getByRole('button', { name: 'Sign in', exact: true }).isVisible()).toBe(true)
    expect(await pageStorage(page)).toEqual({ localStorage: {}, sessionStorage: {}, cookies: '', indexedDB: [] })
    const refused = await bearer(tokens.access_token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_token"')
    const refresh = await fetch(`${dev.base}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: await consoleClient(dev.base) }),
    })
    expect(refresh.status).toBe(400)
  })

  it("signs in as the console client an operator registered with the CLI, and says when that app's calls may be retried", async () => {
    // As a deployment registers it: `client add … --console` makes it the console's own.
    const clientId = await admin('client', 'add', 'Limited console', '--app', LIMITED_APP.code, '--redirect-uri', `${dev.base}/console/`, '--console')
    expect(await consoleClient(dev.base)).toBe(clientId)
    await page.reload()
    await signInToConsole(page)
    const stored = await pageStorage(page)
    expect(Object.keys(stored.sessionStorage)).toEqual([`sops-edge.login.${clientId}.session`])
    expect(JSON.stringify(stored)).not.toContain(LIMITED_APP.secret)
    for (const _ of [1, 2]) await load('2', createdTask) // the app's quota: 2 calls a minute
    await load('2', createdTask)
    const shown = await outcome().textContent()
    expect(shown).toContain('RATE_LIMIT_RESTRICTION (HTTP 429, code 1642903)')
    expect(shown).toMatch(/Rate limited: retry in \d+ s/)
  })

  it('ran under its Content-Security-Policy without a violation', () => {
    expect(cspViolations).toEqual([])
  })
})
