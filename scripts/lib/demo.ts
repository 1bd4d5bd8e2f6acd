/**
 * The demo workspace of CONTRACT §9, so the seed document's example request works as written:
 * app esb_test / secret xxx (user-exempt, allowed everything) and bk_token xxx for admin.
 * (The demo tasks are seeded by the reference engine itself when ENGINE_DEMO_SEED is on; see
 * ./demo-tasks.ts for their reset.)
 */
import { secretHash } from '../../src/credentials/hash.ts'
import { appKey } from '../../src/credentials/records.ts'
import { createApp, loadApp, pepperHasher } from './apps.ts'
import type { KvStore } from './store.ts'
import { addToken, loadToken } from './tokens.ts'

export const DEMO = { app: 'esb_test', secret: 'xxx', token: 'xxx', username: 'admin' } as const
const DEMO_TOKEN_TTL_MS = 10 * 365 * 86_400_000
const APP_DONE = `app ${DEMO.app} (secret ${DEMO.secret})`
const TOKEN_DONE = `bk_token ${DEMO.token} for ${DEMO.username}`

/** The demo app as seeded: replaces whatever is stored under its code. */
async function freshDemoApp(kv: KvStore, pepper: string): Promise<void> {
  await kv.delete(appKey(DEMO.app))
  await createApp(kv, pepperHasher(pepper), { code: DEMO.app, secret: DEMO.secret, userExempt: true, biz: '*', resources: '*' })
}

const freshDemoToken = (kv: KvStore) => addToken(kv, DEMO.token, DEMO.username, DEMO_TOKEN_TTL_MS)

/** Creates what is missing or no longer works; leaves a working demo untouched. Returns what it did. */
export async function seedDemo(kv: KvStore, pepper: string): Promise<string[]> {
  const done: string[] = []
  const app = await loadApp(kv, DEMO.app)
  // A new pepper (a regenerated .dev.vars) makes the stored hash useless: start the app afresh.
  const hash = await secretHash(pepper, DEMO.app, DEMO.secret)
  if (!app || !app.secrets.some((s) => s.hash === hash)) {
    await freshDemoApp(kv, pepper)
    done.push(APP_DONE)
  }
  const token = await loadToken(kv, DEMO.token)
  if (!token || token.expires_at <= Date.now()) {
    await freshDemoToken(kv)
    done.push(TOKEN_DONE)
  }
  return done
}

/** Puts the demo app and token back as seeded, whatever was done to them since. */
export async function resetDemo(kv: KvStore, pepper: string): Promise<string[]> {
  await freshDemoApp(kv, pepper)
  await freshDemoToken(kv)
  return [APP_DONE, TOKEN_DONE]
}
