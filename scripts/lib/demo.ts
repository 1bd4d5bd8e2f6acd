/**
 * The demo workspace of CONTRACT §9, so the seed document's example request works as written:
 * app esb_test / secret xxx (user-exempt, allowed everything) and bk_token xxx for admin.
 * (Task 12 of business 2 is seeded by the reference engine itself when ENGINE_DEMO_SEED is on.)
 */
import { secretHash } from '../../src/credentials/hash.ts'
import { appKey } from '../../src/credentials/records.ts'
import { createApp, loadApp } from './apps.ts'
import type { KvStore } from './store.ts'
import { addToken, loadToken } from './tokens.ts'

export const DEMO = { app: 'esb_test', secret: 'xxx', token: 'xxx', username: 'admin' } as const
const DEMO_TOKEN_TTL_MS = 10 * 365 * 86_400_000

/** Creates what is missing or no longer works; leaves a working demo untouched. Returns what it did. */
export async function seedDemo(kv: KvStore, pepper: string): Promise<string[]> {
  const done: string[] = []
  const app = await loadApp(kv, DEMO.app)
  const hash = await secretHash(pepper, DEMO.app, DEMO.secret)
  // A new pepper (a regenerated .dev.vars) makes the stored hash useless: start the app afresh.
  if (!app || !app.secrets.some((s) => s.hash === hash)) {
    if (app) await kv.delete(appKey(DEMO.app))
    await createApp(kv, pepper, { code: DEMO.app, secret: DEMO.secret, userExempt: true, biz: '*', resources: '*' })
    done.push(`app ${DEMO.app} (secret ${DEMO.secret})`)
  }
  const token = await loadToken(kv, DEMO.token)
  if (!token || token.expires_at <= Date.now()) {
    await addToken(kv, DEMO.token, DEMO.username, DEMO_TOKEN_TTL_MS)
    done.push(`bk_token ${DEMO.token} for ${DEMO.username}`)
  }
  return done
}
