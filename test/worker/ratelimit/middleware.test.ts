/** The rateLimit() step on its own, in a small Hono app that plays the steps before it. */
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { Gateway } from '../../../src/context.ts'
import type { AppRecord, RateWindow } from '../../../src/credentials/records.ts'
import type { GatewayEnv } from '../../../src/env.ts'
import { GatewayError } from '../../../src/errors.ts'
import { rateLimit } from '../../../src/middleware/rate-limit.ts'
import { serverTiming } from '../../../src/middleware/server-timing.ts'
import type { LimiterNamespace } from '../../../src/ratelimit/client.ts'
import { parseList } from './structured-fields.ts'

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

/** The steps before rate limiting set the app and resource; onError renders gateway errors as app.ts does. */
function gateway(record: AppRecord) {
  const app = new Hono<Gateway>()
  app.use(serverTiming())
  app.use(async (c, next) => {
    c.set('app', record)
    c.set('resource', 'operate_node')
    await next()
  })
  app.use(rateLimit())
  app.post('/op', (c) => c.json({ result: true, code: 0, message: 'success', data: 'success' }))
  app.onError((error, c) => {
    if (!(error instanceof GatewayError)) throw error
    return c.json(error.envelope('request-id'), error.status, error.headers)
  })
  return app
}

const call = (record: AppRecord, vars: Partial<GatewayEnv> = {}) =>
  gateway(record).request('/op', { method: 'POST' }, { ...env, ...vars })

const namespaceThat = (decide: () => Promise<never>) =>
  ({ getByName: () => ({ decide }) }) satisfies LimiterNamespace as unknown as GatewayEnv['RATE_LIMITER']

const tier = (res: Response) => /ratelimit;desc="([a-z-]+)"/.exec(res.headers.get('Server-Timing') ?? '')?.[1]

describe('rateLimit()', () => {
  it('admits exactly the limit out of 200 concurrent calls', async () => {
    const record = appRecord([{ tokens: 50, period: 60 }])
    const responses = await Promise.all(Array.from({ length: 200 }, () => call(record)))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(50)
    expect(statuses.filter((s) => s === 429)).toHaveLength(150)
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
      const [state] = parseList(res.headers.get('RateLimit') ?? '')
      expect(state?.params.r).toBe(Number(res.headers.get('X-Bkapi-RateLimit-Remaining')))
      expect(state?.params.t).toBe(Number(res.headers.get('X-Bkapi-RateLimit-Reset')))
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
    expect(seen.map(tier)).toEqual(['object', 'object', 'object', 'object', 'deny-cache', 'deny-cache'])
    expect(seen[0]!.headers.get('Retry-After')).toBeNull()
  })

  it('answers from the isolate without calling the object once a key is refused', async () => {
    let calls = 0
    const counting = {
      getByName: (name: string) => ({
        decide: (request: Parameters<ReturnType<LimiterNamespace['getByName']>['decide']>[0]) => {
          calls++
          return env.RATE_LIMITER.getByName(name).decide(request)
        },
      }),
    } satisfies LimiterNamespace as unknown as GatewayEnv['RATE_LIMITER']
    const record = appRecord([{ tokens: 2, period: 60 }])
    const statuses = []
    for (let i = 0; i < 6; i++) statuses.push((await call(record, { RATE_LIMITER: counting })).status)
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429])
    expect(calls).toBe(3)
  })

  describe('when the object fails', () => {
    const throwing = namespaceThat(() => Promise.reject(new Error('Durable Object is overloaded')))
    const silent = namespaceThat(() => new Promise<never>(() => {}))

    for (const [what, namespace] of [
      ['throws', throwing],
      ['times out', silent],
    ] as const) {
      it(`fails open by default when it ${what}, and says so`, async () => {
        const res = await call(appRecord(), { RATE_LIMITER: namespace, RATE_LIMIT_TIMEOUT_MS: '20' })
        expect(res.status).toBe(200)
        expect(tier(res)).toBe('fail-open')
        expect(res.headers.get('X-Bkapi-RateLimit-Limit')).toBeNull()
      })

      it(`fails closed when configured and it ${what}`, async () => {
        const res = await call(appRecord(), {
          RATE_LIMITER: namespace,
          RATE_LIMIT_TIMEOUT_MS: '20',
          RATE_LIMIT_FAIL_MODE: 'closed',
        })
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
    const cases: [Partial<GatewayEnv>, RegExp][] = [
      [{ RATE_LIMIT_DEFAULT: '10 per second' }, /invalid RATE_LIMIT_DEFAULT: '10 per second' is not/],
      [{ RATE_LIMIT_DEFAULT: '0/1s' }, /invalid RATE_LIMIT_DEFAULT/],
      [{ RATE_LIMIT_FAIL_MODE: 'sometimes' }, /invalid RATE_LIMIT_FAIL_MODE: must be one of open, closed/],
      [{ RATE_LIMIT_TIMEOUT_MS: '-5' }, /invalid RATE_LIMIT_TIMEOUT_MS: must be a positive integer/],
    ]
    for (const [vars, message] of cases) {
      const res = await call(appRecord(), vars)
      expect(res.status).toBe(500)
      expect(((await res.json()) as { message: string }).message).toMatch(message)
    }
  })
})
