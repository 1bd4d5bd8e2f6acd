/**
 * `sops-edge/client`'s PKCE login (src/http/login.ts) against the gateway app in workerd: start,
 * consent, finish, calls with the token, refresh, sign-out; and every way a sign-in can go wrong.
 */
import { expect, inject, it } from 'vitest'
import { sopsClient } from '../../src/http/client.ts'
import { pkceLogin } from '../../src/http/login.ts'
import { seedApp, uniqueCode } from './helpers.ts'
import { BASE, REDIRECT_URI, addClient, consent, gatewayFetch, memoryStorage, refresh, send, signedIn } from './oauth-support.ts'

const appCode = uniqueCode('login')
await seedApp(appCode)
const clientId = await addClient(appCode)

const newLogin = (storage = memoryStorage()) => ({ storage, login: pkceLogin({ issuer: BASE, clientId, redirectUri: REDIRECT_URI, storage, fetch: gatewayFetch }) })

const taskStatus = (accessToken: () => Promise<string>) =>
  sopsClient(BASE, { accessToken }, { fetch: gatewayFetch }).api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({ param: { task_id: '12', bk_biz_id: '2' } })

const bearer = (token: string) => send('/api/bk-sops/prod/get_task_status/12/2/', { headers: { Authorization: `Bearer ${token}` } })

/** The session the login keeps: its one entry in the storage. */
const session = (storage: { items: Map<string, string> }) => JSON.parse([...storage.items.values()][0]!) as { access_token: string; refresh_token: string }

it('signs in with PKCE, calls with the token, refreshes it, and signs out: both tokens are then refused', async () => {
  const { storage, login } = newLogin()
  expect(login.signedIn()).toBe(false)
  const authorizeUrl = new URL(await login.start())
  expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${BASE}/oauth/authorize`)
  expect(Object.fromEntries(authorizeUrl.searchParams)).toEqual({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    code_challenge_method: 'S256',
    state: expect.any(String),
  })
  expect(storage.items.size).toBe(1) // the verifier and the state, waiting for the browser's return

  const { location } = await consent(authorizeUrl.href, await signedIn('alice'))
  expect(await login.finish(location!)).toBe(true)
  expect(login.signedIn()).toBe(true)
  const first = session(storage)
  expect(storage.items.size).toBe(1) // the session alone: the verifier served once

  expect((await taskStatus(login.accessToken)).status).toBe(200)
  await login.refresh()
  const second = session(storage)
  expect(second.access_token).not.toBe(first.access_token)
  expect(second.refresh_token).not.toBe(first.refresh_token)
  expect(await login.accessToken()).toBe(second.access_token)
  expect((await taskStatus(login.accessToken)).status).toBe(200)

  await login.signOut()
  expect(storage.items.size).toBe(0)
  expect(login.signedIn()).toBe(false)
  expect((await bearer(second.access_token)).status).toBe(401)
  expect((await refresh(clientId, second.refresh_token)).status).toBe(400)
  await expect(login.accessToken()).rejects.toThrow('not signed in: start() first')
  await expect(taskStatus(login.accessToken)).rejects.toThrow('not signed in')
})

it('ends the session when the gateway refuses the refresh token', async () => {
  const { storage, login } = newLogin()
  const { location } = await consent(await login.start(), await signedIn('bob'))
  await login.finish(location!)
  const { refresh_token } = session(storage)
  // Revoked elsewhere (another tab's sign-out, `client revoke-grants`).
  expect((await send('/oauth/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: refresh_token, client_id: clientId }).toString() })).status).toBe(200)
  await expect(login.refresh()).rejects.toThrow(/^the sign-in has ended \(invalid_grant.*\): sign in again$/)
  expect(login.signedIn()).toBe(false)
})

it('says no when the user denies, when the state is not its own, and when no sign-in was started', async () => {
  const user = await signedIn('carol')
  const denied = newLogin()
  const { location: deniedAt } = await consent(await denied.login.start(), user, 'deny')
  await expect(denied.login.finish(deniedAt!)).rejects.toThrow(/^the gateway did not sign you in: access_denied/)
  expect(denied.login.signedIn()).toBe(false)

  const forged = newLogin()
  const { location } = await consent(await forged.login.start(), user)
  location!.searchParams.set('state', 'another-tabs-state')
  await expect(forged.login.finish(location!)).rejects.toThrow(/^the gateway did not sign you in: .*"state"/)

  location!.searchParams.delete('state')
  await expect(forged.login.finish(location!)).rejects.toThrow('no sign-in was started in this tab (or it has already finished): start() again')
  expect(await forged.login.finish(`${REDIRECT_URI}?page=2`)).toBe(false)
})

it('refuses bad options at once, and treats what it cannot read in its storage as no sign-in', async () => {
  const options = { issuer: BASE, clientId, redirectUri: REDIRECT_URI, storage: memoryStorage() }
  expect(() => pkceLogin({ ...options, issuer: 'gateway.test' })).toThrow('pkceLogin: issuer must be an absolute URL, not "gateway.test"')
  expect(() => pkceLogin({ ...options, issuer: 'http://gateway.test' })).toThrow('pkceLogin: issuer must be https (plain http only on this machine: localhost, 127.0.0.1)')
  expect(() => pkceLogin({ ...options, redirectUri: '/callback' })).toThrow('pkceLogin: redirectUri must be an absolute URL')
  expect(() => pkceLogin({ ...options, clientId: '' })).toThrow('pkceLogin: clientId is required')
  expect(() => pkceLogin({ issuer: BASE, clientId, redirectUri: REDIRECT_URI })).toThrow('pkceLogin: there is no sessionStorage here; give options.storage')
  expect(() => pkceLogin({ ...options, issuer: 'http://127.0.0.1:8787' })).not.toThrow()

  const { storage, login } = newLogin()
  storage.setItem(`sops-edge.login.${clientId}.session`, '{"access_token": 42')
  expect(login.signedIn()).toBe(false)
  expect(storage.items.size).toBe(0)
})

it('says when the issuer is no OAuth server (here the stand-in SOPS backend): starts nothing, signs out here only', async () => {
  const storage = memoryStorage()
  const login = pkceLogin({ issuer: inject('originUrl'), clientId, redirectUri: REDIRECT_URI, storage })
  await expect(login.start()).rejects.toThrow(/^the gateway's OAuth metadata could not be read: /)
  expect(storage.items.size).toBe(0)
  // Signing out forgets the tokens here even when the gateway cannot be told, and says so.
  storage.setItem(`sops-edge.login.${clientId}.session`, JSON.stringify({ access_token: 'a', refresh_token: 'r', expires_at: Date.now() + 60_000 }))
  expect(login.signedIn()).toBe(true)
  await expect(login.signOut()).rejects.toThrow(/^signed out here, but the gateway could not revoke the token: the gateway's OAuth metadata could not be read: /)
  expect(storage.items.size).toBe(0)
})
