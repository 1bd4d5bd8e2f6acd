/**
 * The console's own OAuth client, registered by `npm run dev` once the gateway answers: a public client
 * of the demo app whose redirect URI is the console at the URL served (a new port gets a client of its own).
 */
import { DEMO } from './demo.ts'
import { adminCall } from './kv.ts'
import { CONSOLE_CLIENT_PATH } from '../../src/oauth/paths.ts'

const READY_WAIT_MS = 120_000

async function ready(url: string): Promise<boolean> {
  const deadline = Date.now() + READY_WAIT_MS
  while (Date.now() < deadline) {
    const ok = await fetch(new URL('healthz', url)).then((res) => res.ok, () => false)
    if (ok) return true
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return false
}

/** Makes sure the console at `url` has its client; says what it did, or why it could not. */
export async function registerConsoleClient(url: string, adminToken: string): Promise<string> {
  if (!(await ready(url))) return `the gateway at ${url} did not answer: the console's sign-in has no client`
  const admin = adminCall(url, adminToken)
  const redirectUri = new URL('console/', url).href
  const clients = (await admin('GET', 'clients')) as Array<{ client_id: string; redirect_uris: string[] }>
  const current = (await fetch(new URL(CONSOLE_CLIENT_PATH, url)).then((res) => (res.ok ? res.json() : null))) as { client_id: string } | null
  if (current && clients.some((c) => c.client_id === current.client_id && c.redirect_uris.includes(redirectUri))) return `console OAuth client ${current.client_id}`
  const body = JSON.stringify({ name: 'SOPS operator console', bk_app_code: DEMO.app, redirect_uris: [redirectUri], console: true })
  const { client_id } = (await admin('POST', 'clients', body)) as { client_id: string }
  return `registered the console's OAuth client ${client_id}`
}
