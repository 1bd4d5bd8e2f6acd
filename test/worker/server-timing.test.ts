/**
 * CONTRACT §6: every answer of every resource, errors included, carries Server-Timing with `auth`,
 * `ratelimit`, `origin` and `total`, each with its `dur`, and the tier that answered as `desc`; except a
 * refused authentication, which carries `total` alone (issue 23: no oracle for app codes).
 */
import { describe, expect, it } from 'vitest'
import { authHeader, call, callWith, fakeOrigin, seedApp, uniqueCode } from './helpers.ts'

const code = uniqueCode('timing')
await seedApp(code, { userExempt: true, rateLimits: [{ tokens: 1_000, period: 60 }] })
const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })

const TOTAL_ONLY = /^total;dur=\d+(\.\d)?$/

const RESOURCES = [
  ['operate_node', '/api/bk-sops/prod/operate_node/2/12/', { node_id: 'node_id', action: 'skip' }],
  ['operate_task', '/api/bk-sops/prod/operate_task/12/2/', { action: 'start' }],
  ['node_callback', '/api/bk-sops/prod/node_callback/12/2/', { node_id: 'node_id' }],
  ['get_task_status', '/api/bk-sops/prod/get_task_status/12/2/', undefined],
] as const

/** The entries of a Server-Timing header, by name, in order. */
function timings(res: Response): [string, { desc?: string; dur?: number }][] {
  return (res.headers.get('Server-Timing') ?? '').split(', ').map((entry) => {
    const [name = '', ...params] = entry.split(';')
    const values = Object.fromEntries(params.map((p) => p.split('=') as [string, string]))
    return [name, { desc: values.desc?.replaceAll('"', ''), dur: values.dur === undefined ? undefined : Number(values.dur) }]
  })
}

function expectTimings(res: Response, descs: Record<'auth' | 'ratelimit' | 'origin', string | RegExp>) {
  const entries = timings(res)
  expect(entries.map(([name]) => name)).toEqual(['auth', 'ratelimit', 'origin', 'total'])
  for (const [name, { desc, dur }] of entries) {
    expect(dur, name).toBeGreaterThanOrEqual(0)
    if (name !== 'total') expect(desc, name).toMatch(descs[name as keyof typeof descs])
  }
}

describe.each(RESOURCES)('%s', (_name, path, body) => {
  const init = { headers, ...(body ? { body } : {}) }

  it('answered by the origin', async () => {
    const res = await callWith({ ORIGIN_URL: fakeOrigin('ok') }, path, init)
    expect(res.status).toBe(200)
    expectTimings(res, { auth: /^(isolate|kv)$/, ratelimit: /^(lease|object)$/, origin: '200' })
  })

  it('refused before the origin, and failed at it', async () => {
    const wrongSecret = await call(path, { ...init, headers: authHeader({ bk_app_code: code, bk_app_secret: 'wrong', bk_username: 'a' }) })
    expect(wrongSecret.status).toBe(400)
    expect(wrongSecret.headers.get('Server-Timing')).toMatch(TOTAL_ONLY)

    const timedOut = await callWith({ ORIGIN_URL: fakeOrigin('silent'), ORIGIN_TIMEOUT_MS: '100' }, path, init)
    expect(timedOut.status).toBe(504)
    expectTimings(timedOut, { auth: 'isolate', ratelimit: /^(lease|object)$/, origin: 'timeout' })

    const limiterOff = await callWith({ ORIGIN_URL: fakeOrigin('html-500'), RATE_LIMIT_ENABLED: 'false' }, path, init)
    expect(limiterOff.status).toBe(502)
    expectTimings(limiterOff, { auth: 'isolate', ratelimit: 'off', origin: '500' })
  })
})

it('is on the answers that reach no resource too', async () => {
  for (const res of [await call('/api/bk-sops/prod/nope/'), await call('/healthz')]) {
    expectTimings(res, { auth: 'skipped', ratelimit: 'skipped', origin: 'skipped' })
  }
})

describe('a refused authentication', () => {
  it('shows the total alone, for a known app and an unknown one alike', async () => {
    const [, path, body] = RESOURCES[0]
    const refusals = {
      wrongSecret: { bk_app_code: code, bk_app_secret: 'wrong', bk_username: 'a' },
      unknownApp: { bk_app_code: uniqueCode('nobody'), bk_app_secret: 'secret', bk_username: 'a' },
      unknownToken: { bk_app_code: code, bk_app_secret: 'secret', bk_token: 'no-such-token' },
      oversizedToken: { bk_app_code: code, bk_app_secret: 'secret', bk_token: 'x'.repeat(129) },
    }
    for (const [name, credentials] of Object.entries(refusals)) {
      // Twice: once read from KV, once answered from the isolate's memory.
      for (const _ of [1, 2]) {
        const res = await call(path, { headers: authHeader(credentials), body })
        expect(res.status, name).toBe(400)
        expect(res.headers.get('Server-Timing'), name).toMatch(TOTAL_ONLY)
      }
    }
  })
})
