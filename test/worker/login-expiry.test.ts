/**
 * The PKCE login refreshes an access token about to expire before the call that needs it. In a file of
 * its own: the test moves this isolate's clock, which the isolate's credential feed view would remember.
 * The authorization server is another Worker, on the real clock: the clock moves to 30 s before the
 * first token expires, so that the token it issues then is valid on both clocks.
 */
import { expect, it, vi } from 'vitest'
import { sopsClient } from '../../src/http/client.ts'
import { pkceLogin } from '../../src/http/login.ts'
import { ACCESS_TOKEN_TTL_S } from '../../auth/src/server.ts'
import { seedApp, uniqueCode } from './helpers.ts'
import { BASE, REDIRECT_URI, addClient, consent, gatewayFetch, memoryStorage, signedIn } from './oauth-support.ts'

it('30 s before the token expires, calls with a refreshed one', async () => {
  const appCode = uniqueCode('login')
  await seedApp(appCode)
  const login = pkceLogin({ issuer: BASE, clientId: await addClient(appCode), redirectUri: REDIRECT_URI, storage: memoryStorage(), fetch: gatewayFetch })
  const { location } = await consent(await login.start(), await signedIn('dora'))
  await login.finish(location!)
  const first = await login.accessToken()
  const status = () =>
    sopsClient(BASE, { accessToken: login.accessToken }, { fetch: gatewayFetch }).api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param: { task_id: '12', bk_biz_id: '2' } })

  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (ACCESS_TOKEN_TTL_S - 30) * 1000 })
  try {
    expect((await status()).status).toBe(200)
    expect(await login.accessToken()).not.toBe(first)
  } finally {
    vi.useRealTimers()
  }
})
