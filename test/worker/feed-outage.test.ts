/**
 * When the credential feed cannot be reached, calls go on from KV and the isolate's cache (the
 * revocation bound falls back to KV's), the outage is logged, and no request waits on it again for a second.
 */
import { expect, it, vi } from 'vitest'
import { authHeader, callWith, fakeOrigin, seedApp, uniqueCode } from './helpers.ts'

it('serves from KV while the feed is down, and says so in the log', async () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    let polls = 0
    const down = { getByName: () => ({ since: () => (polls++, Promise.reject(new Error('Durable Object is overloaded'))) }) }
    const code = uniqueCode('outage')
    await seedApp(code, { userExempt: true })
    const call = () =>
      callWith({ ORIGIN_URL: fakeOrigin('ok'), CREDENTIAL_FEED: down as never }, '/api/bk-sops/prod/operate_node/2/12/', {
        headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'a' }),
        body: { node_id: 'n1', action: 'skip' },
      })
    const statuses = await Promise.all(Array.from({ length: 5 }, async () => (await call()).status))
    expect(statuses).toEqual([200, 200, 200, 200, 200])
    expect((await call()).status).toBe(200)
    expect(polls).toBeLessThanOrEqual(5)
    expect(error).toHaveBeenCalledWith(expect.stringContaining('credential feed unavailable'))
    const afterBurst = polls
    expect((await call()).status).toBe(200)
    expect(polls).toBe(afterBurst)
  } finally {
    error.mockRestore()
  }
})
