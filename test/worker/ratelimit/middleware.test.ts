/** The rateLimit() step on its own, in a small Hono app that plays the steps before it. */
import { env } from 'cloudflare:workers'
import { createExecutionContext } from 'cloudflare:test'
import { Hono } from 'hono'
import { parseList } from 'structured-headers'
import { describe, expect, it } from 'vitest'
import type { Gateway } from '../../../src/middleware/context.ts'
import type { AppRecord, RateWindow } from '../../../src/credentials/records.ts'
import { GatewayError } from '../../../src/lib/errors.ts'
import { rateLimit } from '../../../src/middleware/rate-limit.ts'
import { callHeaders } from '../../../src/middleware/call-headers.ts'
import type { Clock, LimiterNamespace } from '../../../src/ratelimit/client.ts'
import { TestClock, countingNamespace } from './support.ts'

let apps = 0
function appRecord(rate_limits?: RateWindow[]): AppRecord {
  const now = new Date().toISOString()
  return {
    version: 1,
    bk_app_code: `mw-${++apps}`,
    secrets: [{ hash: '0'.repeat(64), created_at: now }],
    disabled: false,
    user_exempt: false,
    permissions: { resources: '*', biz: '*' },
    ...(rate_limits ? { rate_limits } : {}),
    created_at: now,
    updated_at: now,
  }
}

/** What the access log would say of each call the step did not tell the caller (the call's logDetail). */
const logDetails: (string | undefined)[] = []

/** The steps before rate limiting set the app and resource; onError renders gateway errors as app.ts does. */
function gateway(record: AppRecord, clock?: Clock) {
  const app = new Hono<Gateway>()
  app.use(async (c, next) => {
    await next()
    logDetails.push(c.error instanceof GatewayError ? c.error.logDetail : c.get('logDetail'))
  })
  app.use(callHeaders())
  app.use(async (c, next) => {
    c.set('app', record)
    c.set('resource', 'operate_node')
    await next()
  })
  app.use(rateLimit({ clock }))
  app.post('/op', (c) => c.json({ result: true, code: 0, message: 'success', data: 'success' }))
  app.onError((error, c) => {
    if (!(error instanceof GatewayError)) throw error
    return c.json(error.envelope('request-id'), error.status, error.headers)
  })
  return app
}

const call = (record: AppRecord, vars: Partial<Env> = {}, clock?: Clock) =>
  gateway(record, clock).request('/op', { method: 'POST' }, { ...env, ...vars }, createExecutionContext())

/** A clock of the test's, an hour ahead so no real alarm fires, that moves only when told: no lease expires under load. */
const testClock = () => new TestClock(Date.now() + 3_600_000)

const asBinding = (namespace: LimiterNamespace) => namespace as unknown as Env['RATE_LIMITER']
const namespaceThat = (acquire: () => Promise<never>) => asBinding({ getByName: () => ({ acquire }) })

const tier = (res: Response) => /ratelimit;desc="([a-z-]+)"/.exec(res.headers.get('Server-Timing') ?? '')?.[1]

describe('rateLimit()', () => {
  it('admits exactly the limit out of 200 concurrent calls', async () => {
    const record = appRecord([{ tokens: 50, period: 60 }])
    const clock = testClock()
    const responses = await Promise.all(Array.from({ length: 200 }, () => call(record, {}, clock)))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(50)
    expect(statuses.filter((s) => s === 429)).toHaveLength(150)
  })

  it('admits exactly 5 out of 40 concurrent calls against 5/30 s, with BlueKing and draft-10 headers', async () => {
    const record = appRecord([{ tokens: 5, period: 30 }])
    const clock = testClock()
    const all = await Promise.all(Array.from({ length: 40 }, () => call(record, {}, clock)))
    const admitted = all.filter((r) => r.status === 200)
    const refused = all.filter((r) => r.status === 429)
    expect(admitted).toHaveLength(5)
    expect(refused).toHaveLength(35)
    expect(admitted.map((r) => r.headers.get('X-Bkapi-RateLimit-Remaining')).sort()).toEqual(['0', '1', '2', '3', '4'])
    for (const res of all) {
      expect(res.headers.get('X-Bkapi-RateLimit-Limit')).toBe('5')
      expect(res.headers.get('X-Bkapi-RateLimit-Plugin')).toBe('bk-resource-rate-limit')
      expect(res.headers.get('RateLimit-Policy')).toBe('"30s";q=5;w=30')
      const [[name, params]] = parseList(res.headers.get('RateLimit') ?? '') as [[string, Map<string, number>]]
      expect(name).toBe('30s')
      expect(params.get('r')).toBe(Number(res.headers.get('X-Bkapi-RateLimit-Remaining')))
      expect(params.get('t')).toBe(Number(res.headers.get('X-Bkapi-RateLimit-Reset')))
      expect(params.get('t')).toBeGreaterThanOrEqual(res.status === 200 ? 29 : 1)
    }
    for (const res of refused) {
      expect(res.headers.get('X-Bkapi-RateLimit-Remaining')).toBe('0')
      // Quota comes back when the first admission leaves the 30 s window.
      expect(Number(res.headers.get('Retry-After'))).toBeGreaterThanOrEqual(29)
      expect(Number(res.headers.get('Retry-After'))).toBeLessThanOrEqual(31)
    }
  })

  it("uses the app's own windows, else the configured default", async () => {
    const own = appRecord([{ tokens: 3, period: 60 }])
    const defaulted = appRecord()
    const vars = { RATE_LIMIT_DEFAULT: '2/60s' }
    const ownStatuses = []
    const defaultStatuses = []
    for (let i = 0; i < 4; i++) {
      ownStatuses.push((await call(own, vars)).status)
      defaultStatuses.push((await call(defaulted, vars)).status)
    }
    expect(ownStatuses).toEqual([200, 200, 200, 429])
    expect(defaultStatuses).toEqual([200, 200, 429, 429])
    expect((await call(defaulted, vars)).headers.get('RateLimit-Policy')).toBe('"60s";q=2;w=60')
  })

  it('puts consistent headers on admitted responses and the 429 envelope on refusal', async () => {
    const record = appRecord([
      { tokens: 3, period: 30 },
      { tokens: 5, period: 60 },
    ])
    const seen = []
    for (let i = 0; i < 6; i++) seen.push(await call(record))
    const remaining = seen.map((r) => r.headers.get('X-Bkapi-RateLimit-Remaining'))
    const limits = seen.map((r) => r.headers.get('X-Bkapi-RateLimit-Limit'))
    // The 30 s window binds first; the 60 s one has 5 left and is never charged for the refusals.
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429])
    expect(remaining).toEqual(['2', '1', '0', '0', '0', '0'])
    expect(limits).toEqual(['3', '3', '3', '3', '3', '3'])
    for (const res of seen) {
      expect(res.headers.get('X-Bkapi-RateLimit-Plugin')).toBe('bk-resource-rate-limit')
      expect(parseList(res.headers.get('RateLimit-Policy') ?? '')).toHaveLength(2)
      const [[, params]] = parseList(res.headers.get('RateLimit') ?? '') as [[string, Map<string, number>]]
      expect(params.get('r')).toBe(Number(res.headers.get('X-Bkapi-RateLimit-Remaining')))
      expect(params.get('t')).toBe(Number(res.headers.get('X-Bkapi-RateLimit-Reset')))
    }
    const refused = seen[3]!
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(Number(refused.headers.get('X-Bkapi-RateLimit-Reset')))
    expect(await refused.json()).toEqual({
      result: false,
      code: 1642903,
      code_name: 'RATE_LIMIT_RESTRICTION',
      message: 'API rate limit exceeded by resource strategy',
      data: null,
      request_id: 'request-id',
    })
    // The third admission left nothing: the isolate refuses by itself from then on.
    expect(seen.map(tier)).toEqual(['object', 'object', 'object', 'deny-cache', 'deny-cache', 'deny-cache'])
    expect(seen[0]!.headers.get('Retry-After')).toBeNull()
  })

  it('answers from the isolate without calling the object once a key has no quota left', async () => {
    const { namespace, calls } = countingNamespace()
    const record = appRecord([{ tokens: 2, period: 60 }])
    const statuses = []
    for (let i = 0; i < 6; i++) statuses.push((await call(record, { RATE_LIMITER: asBinding(namespace) })).status)
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429])
    expect(calls).toHaveLength(2)
  })

  it('answers from a lease once traffic is steady, remaining counting down by one', async () => {
    const { namespace, calls, settled } = countingNamespace()
    const record = appRecord([{ tokens: 10_000, period: 60 }])
    // One call a millisecond on the test's clock, each one's renewal settled before the next.
    const clock = testClock()
    const seen = []
    for (let i = 0; i < 60; i++) {
      seen.push(await gateway(record, clock).request('/op', { method: 'POST' }, { ...env, RATE_LIMITER: asBinding(namespace) }, createExecutionContext()))
      await settled()
      clock.advance(1)
    }
    expect(seen.every((r) => r.status === 200)).toBe(true)
    expect(seen.slice(-20).map(tier)).toEqual(Array(20).fill('lease'))
    expect(calls.length).toBeLessThan(30)
    const remaining = seen.map((r) => Number(r.headers.get('X-Bkapi-RateLimit-Remaining')))
    expect(remaining).toEqual(remaining.map((_, i) => 10_000 - 1 - i))
  })

  describe('when the object fails', () => {
    const throwing = namespaceThat(() => Promise.reject(new Error('Durable Object is overloaded')))
    const silent = namespaceThat(() => new Promise<never>(() => {}))

    for (const [what, namespace, reason] of [
      ['throws', throwing, 'Durable Object is overloaded'],
      ['times out', silent, 'no answer within 20 ms'],
    ] as const) {
      it(`fails open by default when it ${what}, and says so`, async () => {
        const res = await call(appRecord(), { RATE_LIMITER: namespace, RATE_LIMIT_TIMEOUT_MS: '20' })
        expect(res.status).toBe(200)
        expect(tier(res)).toBe('fail-open')
        expect(res.headers.get('X-Bkapi-RateLimit-Limit')).toBeNull()
        expect(logDetails.at(-1)).toBe(`rate limiter unavailable: ${reason}`)
      })

      it(`fails closed when configured and it ${what}`, async () => {
        const res = await call(appRecord(), {
          RATE_LIMITER: namespace,
          RATE_LIMIT_TIMEOUT_MS: '20',
          RATE_LIMIT_FAIL_MODE: 'closed',
        })
        expect(logDetails.at(-1)).toBe(`rate limiter unavailable: ${reason}`)
        expect(res.status).toBe(500)
        expect(tier(res)).toBe('fail-closed')
        expect(await res.json()).toMatchObject({
          code: 1650001,
          code_name: 'INTERNAL_SERVER_ERROR',
          message: 'Internal Server Error [reason="rate limiter unavailable"]',
        })
      })
    }
  })

  it('does nothing but say so when disabled', async () => {
    const res = await call(appRecord([{ tokens: 1, period: 60 }]), {
      RATE_LIMIT_ENABLED: 'false',
      RATE_LIMITER: namespaceThat(() => Promise.reject(new Error('must not be called'))),
    })
    expect(res.status).toBe(200)
    expect(tier(res)).toBe('off')
    expect(res.headers.get('X-Bkapi-RateLimit-Limit')).toBeNull()
  })

  it('names a bad configuration value instead of crashing', async () => {
    const cases: [Partial<Env>, RegExp][] = [
      [{ RATE_LIMIT_DEFAULT: '10 per second' }, /invalid RATE_LIMIT_DEFAULT: '10 per second' is not/],
      [{ RATE_LIMIT_DEFAULT: '0/1s' }, /invalid RATE_LIMIT_DEFAULT/],
      [{ RATE_LIMIT_FAIL_MODE: 'sometimes' }, /invalid RATE_LIMIT_FAIL_MODE: must be one of open, closed/],
      [{ RATE_LIMIT_TIMEOUT_MS: '-5' }, /invalid RATE_LIMIT_TIMEOUT_MS: must be a positive integer/],
      [{ RATE_LIMIT_LEASE_MS: '5000' }, /invalid RATE_LIMIT_LEASE_MS: must be an integer from 0 to 1000/],
    ]
    for (const [vars, message] of cases) {
      const res = await call(appRecord(), vars)
      expect(res.status).toBe(500)
      expect(((await res.json()) as { message: string }).message).toMatch(message)
    }
  })
})
