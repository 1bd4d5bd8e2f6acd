/** Rate limiting inside the real gateway pipeline, in front of a stand-in origin. */
import { expect, it } from 'vitest'
import type { RateWindow } from '../../../src/credentials/records.ts'
import { authHeader, callWith, fakeOrigin, seedApp, uniqueCode } from '../helpers.ts'

const origin = { ORIGIN_URL: fakeOrigin('ok') }
const getStatus = '/api/bk-sops/prod/get_task_status/12/2/'
const skipNode = '/api/bk-sops/prod/operate_node/2/12/'

async function appWith(rateLimits: RateWindow[]) {
  const code = uniqueCode('rl')
  await seedApp(code, { userExempt: true, rateLimits })
  const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })
  return (path: string, body?: unknown) => callWith(origin, path, { headers, ...(body ? { body } : {}) })
}

it("puts the quota headers on the origin's answers and the 429 envelope on refusal", async () => {
  const call = await appWith([{ tokens: 2, period: 60 }])
  const answers = [await call(getStatus), await call(getStatus)]
  for (const [i, res] of answers.entries()) {
    expect(res.status).toBe(200)
    expect(((await res.json()) as { result: boolean }).result).toBe(true)
    expect(res.headers.get('X-Bkapi-RateLimit-Remaining')).toBe(String(1 - i))
    expect(res.headers.get('RateLimit-Policy')).toBe('"60s";q=2;w=60')
  }

  const refused = await call(getStatus)
  expect(refused.status).toBe(429)
  expect(refused.headers.get('X-Bkapi-Error-Code')).toBe('1642903')
  expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
  expect(refused.headers.get('X-Bkapi-RateLimit-Remaining')).toBe('0')
  const body = (await refused.json()) as Record<string, unknown>
  expect(body).toMatchObject({
    result: false,
    code: 1642903,
    code_name: 'RATE_LIMIT_RESTRICTION',
    message: 'API rate limit exceeded by resource strategy',
    data: null,
  })
  expect(body.request_id).toBe(refused.headers.get('X-Bkapi-Request-ID'))
})

it('spends no quota on a call refused by an earlier step', async () => {
  const call = await appWith([{ tokens: 1, period: 60 }])
  const invalid = await call(skipNode, { node_id: 'not a node id!', action: 'skip' })
  expect(invalid.status).toBe(400)
  expect(invalid.headers.get('X-Bkapi-RateLimit-Limit')).toBeNull()
  expect((await call(skipNode, { node_id: 'n', action: 'skip' })).status).toBe(200)
})

it('counts each resource on its own', async () => {
  const call = await appWith([{ tokens: 1, period: 60 }])
  expect((await call(skipNode, { node_id: 'n', action: 'skip' })).status).toBe(200)
  expect((await call(skipNode, { node_id: 'n', action: 'skip' })).status).toBe(429)
  expect((await call(getStatus)).status).toBe(200)
})
