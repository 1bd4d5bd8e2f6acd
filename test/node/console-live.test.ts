/**
 * The console's live status in headless Chromium against `npm run dev`: a node changed by someone else
 * (a curl to the gateway) shows up in the open page without a reload, and the page makes no status
 * read after loading the task: it watches the stream (docs/live-status.md).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './admin-helpers.ts'
import { type Browser, browserSkipReason, launchChromium } from './browser.ts'
import { consoleClient, signInToConsole } from './sign-in.ts'
import { type DevServer, startDev } from './dev-server.ts'

let stateDir: string
let dev: DevServer
let browser: Browser
let page: Page
let taskId: string

describe.skipIf(browserSkipReason)(`the console's live status${browserSkipReason ? ` (${browserSkipReason})` : ''}`, () => {
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sops-edge-console-live-'))
    dev = await startDev(stateDir)
    const created = await cli('admin', stateDir, 'task', 'create', 'engine/src/demo/task-12-failed-activity.json', '--biz', '2', '--start', '--name', 'Live test')
    taskId = created.stdout.trim()
    await consoleClient(dev.base)
    browser = await launchChromium()
    page = await browser.context.newPage()
    await page.goto(`${dev.base}/console/`)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await dev?.stop()
    await rm(stateDir, { recursive: true, force: true })
  })

  it("shows a node's change made elsewhere, without reloading and without polling", async () => {
    await signInToConsole(page)
    await page.getByLabel('Business ID', { exact: true }).fill('2')
    await page.getByLabel('Task ID', { exact: true }).fill(taskId)
    const watching = page.waitForResponse((response) => response.url().includes(`/watch_task_status/${taskId}/2/`))
    await page.keyboard.press('Enter')
    expect((await watching).headers()['content-type']).toContain('text/event-stream')
    await expect.poll(() => page.locator('#task-name').textContent()).toBe('Live test FAILED')

    const reads: string[] = []
    page.on('request', (request) => void (request.url().includes('/get_task_status/') && reads.push(request.url())))
    const retried = await fetch(`${dev.base}/api/bk-sops/prod/operate_node/2/${taskId}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Bkapi-Authorization': JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }) },
      body: JSON.stringify({ node_id: 'node_id', action: 'retry' }),
    })
    expect(((await retried.json()) as { result: boolean }).result).toBe(true)
    await expect.poll(() => page.locator('#task-name').textContent()).toBe('Live test FINISHED')
    expect(await page.getByRole('region', { name: 'activity node_id' }).textContent()).toContain('retried 1×')
    expect(reads).toEqual([])
  })
})
