/**
 * Signing in as a person does, for the browser tests: Sign in → BlueKing's login (under `npm run dev`,
 * its development page /_dev/login, as the demo user) → the consent page → a decision → back at the
 * front-end. And what a page can read of its storage, to show what the browser keeps.
 */
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/** `npm run dev` registers the console's OAuth client once the gateway answers: its id, once there. */
export async function consoleClient(base: string): Promise<string> {
  // A guard, never a measure: registration is one admin call after the gateway first answers.
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/oauth/console-client`)
    if (res.ok) return ((await res.json()) as { client_id: string }).client_id
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`npm run dev registered no console client at ${base}`)
}

/** From BlueKing's login (only while the browser is not signed in there) to the consent page's decision. */
export async function decide(page: Page, decision: 'Allow' | 'Deny' = 'Allow'): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/_dev/login' || url.pathname === '/oauth/authorize')
  if (new URL(page.url()).pathname === '/_dev/login') await page.getByRole('button', { name: 'admin', exact: true }).click()
  await page.waitForURL((url) => url.pathname === '/oauth/authorize')
  await page.getByRole('button', { name: decision, exact: true }).click()
}

/** From the console's Sign in button to the consent page's decision, and back at the console. */
export async function signInToConsole(page: Page, decision: 'Allow' | 'Deny' = 'Allow'): Promise<void> {
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await decide(page, decision)
  // Back with the code, which the console takes out of the address at once.
  await page.waitForURL((url) => url.pathname === '/console/' && url.search === '')
  const settled = page.getByRole('button', { name: decision === 'Allow' ? 'Sign out' : 'Sign in', exact: true })
  await expect.poll(() => settled.isVisible()).toBe(true)
}

/** Everything the page can read of what the browser keeps for it. */
export function pageStorage(page: Page) {
  return page.evaluate(async () => ({
    localStorage: Object.fromEntries(Object.entries(localStorage)),
    sessionStorage: Object.fromEntries(Object.entries(sessionStorage)),
    cookies: document.cookie,
    indexedDB: (await indexedDB.databases()).map((database) => database.name),
  }))
}

/** The tokens the console holds: its one sessionStorage entry. */
export async function consoleTokens(page: Page): Promise<{ access_token: string; refresh_token: string }> {
  const { sessionStorage } = await pageStorage(page)
  const values = Object.values(sessionStorage)
  expect(values).toHaveLength(1)
  return JSON.parse(values[0]!) as { access_token: string; refresh_token: string }
}
