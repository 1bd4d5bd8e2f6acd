/**
 * Idempotency-Key through the real pipeline (credentials, validation, permission, rate limit, the
 * key's Durable Object) and the recording stand-in origin, which counts what reached it per app.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import app from '../../src/http/app.ts'
import { sopsClient } from '../../src/http/client.ts'
import { keyRecord } from '../../src/idempotency/client.ts'
import { fingerprint } from '../../src/idempotency/fingerprint.ts'
import type { Claim } from '../../src/idempotency/record.ts'
import { type AppOptions, authHeader, callWith, exemptApp, fakeOrigin, uniqueCode } from './helpers.ts'

/** A new app per test: its key space and its count at the origin start empty. */
const newApp = (options: AppOptions = {}) => exemptApp({ rateLimits: [{ tokens: 1000, period: 1 }], ...options }, uniqueCode('idem'))

/** How many calls of this app reached the origin. */
const executions = async (code: string) => (await (await fetch(`${inject('originUrl')}/__executions/${code}`)).json()) as number

const NODE_PATH = '/api/bk-sops/prod/operate_node/2/12/'
const skip = { node_id: 'n1', action: 'skip' }

async function operateNode(config: Partial<Env>, headers: Record<string, string>, key?: string, body: Record<string, unknown> = skip) {
  return await callWith(config, NODE_PATH, { headers: { ...headers, ...(key === undefined ? {} : { 'Idempotency-Key': key }) }, body })
}

const OK = { ORIGIN_URL: fakeOrigin('ok') }
const SLOW = { ORIGIN_URL: fakeOrigin('slow') }

async function answer(res: Response) {
  return { status: res.status, replayed: res.headers.get('Idempotent-Replayed'), body: (await res.json()) as Record<string, unknown> }
}

/** A namespace that counts how often the gateway asks for an object, and otherwise is the real one. */
function countingNamespace() {
  const counter = { objects: 0 }
  const namespace = new Proxy(env.IDEMPOTENCY_KEYS, {
    get(target, prop) {
      if (prop === 'getByName') {
        return (name: string) => {
          counter.objects++
          return target.getByName(name)
        }
      }
      const value = Reflect.get(target, prop)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { counter, namespace }
}

/** A namespace whose objects fail every call in the given way. */
const failingNamespace = (fail: () => Promise<never>) =>
  ({ getByName: () => ({ claim: fail, complete: fail, release: fail }) }) as unknown as Env['IDEMPOTENCY_KEYS']

afterEach(() => vi.restoreAllMocks())

describe('one execution per key', () => {
  it.each([5, 50])('%i concurrent calls with one key: exactly one reaches the origin, the others get 409 or the replay', async (n) => {
    const { code, headers } = await newApp()
    const answers = await Promise.all(Array.from({ length: n }, () => operateNode(SLOW, headers, 'concurrent').then(answer)))

    expect(await executions(code)).toBe(1)
    const first = answers.filter((a) => a.status === 200 && a.replayed === null)
    expect(first).toHaveLength(1)
    for (const other of answers.filter((a) => a !== first[0])) {
      if (other.status === 200) expect(other.replayed).toBe('true')
      else expect(other.body).toMatchObject({ result: false, code: 1640901, code_name: 'IDEMPOTENCY_KEY_IN_USE', data: null })
    }
    // The origin takes 300 ms: the others arrived while the first was in flight.
    expect(answers.filter((a) => a.status === 409).length).toBeGreaterThan(0)

    const again = await answer(await operateNode(SLOW, headers, 'concurrent'))
    expect(again).toMatchObject({ status: 200, replayed: 'true' })
    expect(await executions(code)).toBe(1)
  })

  it('answers a call made while the first is in flight with 409, Retry-After and the error headers', async () => {
    const { headers } = await newApp()
    const first = operateNode(SLOW, headers, 'in-flight')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const second = await operateNode(SLOW, headers, 'in-flight')
    expect(second.status).toBe(409)
    expect(second.headers.get('Retry-After')).toBe('1')
    expect(second.headers.get('X-Bkapi-Error-Code')).toBe('1640901')
    expect(second.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await second.json()).toMatchObject({ message: 'A request with this Idempotency-Key is still in flight' })
    expect((await first).status).toBe(200)
  })

  it('replays the stored answer after completion, with this call’s request id, and never calls the origin again', async () => {
    const { code, headers } = await newApp()
    const first = await operateNode(OK, headers, 'replay-me')
    const firstBody = (await first.json()) as Record<string, unknown>
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()

    // The ESB form of the very same request is the same request.
    const esb = { ...headers, 'Idempotency-Key': 'replay-me' }
    const replayed = await callWith(OK, '/api/c/compapi/v2/sops/operate_node/', { headers: esb, body: { bk_biz_id: 2, task_id: '12', ...skip } })
    expect(replayed.status).toBe(200)
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true')
    expect(replayed.headers.get('Sops-Trace-Id')).toBe('f'.repeat(32))
    expect(replayed.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    const requestId = replayed.headers.get('X-Bkapi-Request-ID')
    expect(requestId).not.toBe(first.headers.get('X-Bkapi-Request-ID'))
    expect(await replayed.json()).toEqual({ ...firstBody, request_id: requestId })
    // Replays still pass the rate limit, and say so.
    expect(replayed.headers.get('X-Bkapi-RateLimit-Remaining')).not.toBeNull()
    expect(await executions(code)).toBe(1)
  })

  it('refuses the same key for another request with 422, without calling the origin', async () => {
    const { code, headers } = await newApp()
    expect((await operateNode(OK, headers, 'one-request')).status).toBe(200)

    for (const res of [
      await operateNode(OK, headers, 'one-request', { node_id: 'n2', action: 'skip' }),
      await operateNode(OK, headers, 'one-request', { ...skip, data: { extra: 1 } }),
      await callWith(OK, '/api/bk-sops/prod/operate_node/2/13/', { headers: { ...headers, 'Idempotency-Key': 'one-request' }, body: skip }),
      await callWith(OK, '/api/bk-sops/prod/operate_task/12/2/', { headers: { ...headers, 'Idempotency-Key': 'one-request' }, body: { action: 'start' } }),
    ]) {
      expect(res.status).toBe(422)
      expect(res.headers.get('X-Bkapi-Error-Code')).toBe('1642201')
      expect(await res.json()).toMatchObject({ result: false, code: 1642201, code_name: 'IDEMPOTENCY_KEY_REUSED' })
    }
    expect(await executions(code)).toBe(1)
  })

  it('treats parameters in another key order as the same request', async () => {
    const { code, headers } = await newApp()
    const data = { a: 1, b: { c: 2, d: [3, 4] } }
    expect((await operateNode(OK, headers, 'ordered', { node_id: 'n1', action: 'callback', data })).status).toBe(200)
    const reordered = await operateNode(OK, headers, 'ordered', { data: { b: { d: [3, 4], c: 2 }, a: 1 }, action: 'callback', node_id: 'n1' })
    expect(reordered.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await executions(code)).toBe(1)
  })

  it('binds a key to the user it was first used for', async () => {
    const { code } = await newApp()
    const as = (user: string) => authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: user })
    expect((await operateNode(OK, as('alice'), 'shared-key')).status).toBe(200)
    expect((await operateNode(OK, as('bob'), 'shared-key')).status).toBe(422)
    expect(await executions(code)).toBe(1)
  })

  it('keeps keys per app: another app with the same key gets its own execution', async () => {
    const a = await newApp()
    const b = await newApp()
    for (const app of [a, b]) {
      const res = await operateNode(OK, app.headers, 'same-key-two-apps')
      expect(res.status).toBe(200)
      expect(res.headers.get('Idempotent-Replayed')).toBeNull()
      expect(await executions(app.code)).toBe(1)
    }
  })

  it('serves every POST resource, in both URL forms', async () => {
    const { code, headers } = await newApp()
    const calls: [string, Record<string, unknown>][] = [
      ['/api/bk-sops/prod/operate_task/12/2/', { action: 'start' }],
      ['/api/c/compapi/v2/sops/operate_task/', { bk_biz_id: '2', task_id: 13, action: 'start' }],
      ['/api/bk-sops/prod/node_callback/12/2/', { node_id: 'n1', callback_data: { ok: true } }],
      ['/api/c/compapi/v2/sops/node_callback/', { bk_biz_id: '2', task_id: 13, node_id: 'n1' }],
    ]
    for (const [i, [path, body]] of calls.entries()) {
      const init = { headers: { ...headers, 'Idempotency-Key': `resource-${i}` }, body }
      expect((await callWith(OK, path, init)).headers.get('Idempotent-Replayed')).toBeNull()
      expect((await callWith(OK, path, init)).headers.get('Idempotent-Replayed')).toBe('true')
    }
    expect(await executions(code)).toBe(calls.length)
  })
})

describe('without a key', () => {
  it('behaves as before and asks no Durable Object', async () => {
    const { code, headers } = await newApp()
    const { counter, namespace } = countingNamespace()
    const config = { ...OK, IDEMPOTENCY_KEYS: namespace }
    for (let i = 0; i < 3; i++) {
      const res = await operateNode(config, headers)
      expect(res.status).toBe(200)
      expect(res.headers.get('Idempotent-Replayed')).toBeNull()
      expect(res.headers.get('Server-Timing')).toMatch(/^auth;[^,]+, ratelimit;[^,]+, origin;[^,]+, total;dur=[\d.]+$/)
    }
    // A GET is idempotent by nature: the header is ignored there.
    const get = await callWith(config, '/api/bk-sops/prod/get_task_status/12/2/', { headers: { ...headers, 'Idempotency-Key': 'ignored' } })
    expect(get.status).toBe(200)
    expect(await executions(code)).toBe(4)
    expect(counter.objects).toBe(0)

    // The counter does count: one call with a key asks its object.
    await operateNode(config, headers, 'counted')
    expect(counter.objects).toBe(1)
  })
})

describe('the key header', () => {
  const problems: [string, string, string][] = [
    ['too long', 'k'.repeat(256), 'must be at most 255 characters'],
    ['empty', '', 'must not be empty'],
    ['an empty string', '""', 'must not be empty'],
    ['two keys', 'a, b', 'must be visible ASCII characters without spaces, or a structured-field string ("…")'],
    ['an unterminated string', '"abc', 'is not a valid structured-field string'],
    ['not a string', '"a";x=1, "b"', 'is not a valid structured-field string'],
  ]
  it.each(problems)('refuses a key that is %s with 400 naming Idempotency-Key, before any quota is spent', async (_name, key, message) => {
    const { code, headers } = await newApp({ rateLimits: [{ tokens: 1, period: 60 }] })
    const res = await operateNode(OK, headers, key)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { code: number; errors: { path: string; message: string }[] }
    expect(body.code).toBe(3540000)
    expect(body.errors).toHaveLength(1)
    expect(body.errors[0]?.path).toBe('Idempotency-Key')
    expect(body.errors[0]?.message.startsWith(message)).toBe(true)
    // The one call of the app's quota is still there.
    expect((await operateNode(OK, headers, 'fine')).status).toBe(200)
    expect(await executions(code)).toBe(1)
  })

  it('takes a structured-field string and the same key given bare as one key, of up to 255 characters', async () => {
    const { code, headers } = await newApp()
    const key = 'k'.repeat(255)
    expect((await operateNode(OK, headers, key)).headers.get('Idempotent-Replayed')).toBeNull()
    expect((await operateNode(OK, headers, `"${key}"`)).headers.get('Idempotent-Replayed')).toBe('true')
    const spaced = await operateNode(OK, headers, '"with space and \\"quote\\""')
    expect(spaced.status).toBe(200)
    expect(await executions(code)).toBe(2)
  })
})

describe('what is stored', () => {
  it('keeps nothing of a call refused before the origin, so the corrected call runs under the same key', async () => {
    const { code, headers } = await newApp({ biz: ['2'] })
    const invalid = await operateNode(OK, headers, 'fix-me', { node_id: 'n1', action: 'jump' })
    expect(invalid.status).toBe(400)
    const forbidden = await callWith(OK, '/api/bk-sops/prod/operate_node/3/12/', { headers: { ...headers, 'Idempotency-Key': 'fix-me' }, body: skip })
    expect(forbidden.status).toBe(403)
    const unsigned = await operateNode({ ...OK, JWT_PRIVATE_KEY: '' }, headers, 'fix-me')
    expect(unsigned.status).toBe(500)

    const fixed = await operateNode(OK, headers, 'fix-me')
    expect(fixed.status).toBe(200)
    expect(fixed.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await executions(code)).toBe(1)
  })

  it('keeps nothing of a call refused by the rate limit', async () => {
    const { code, headers } = await newApp({ rateLimits: [{ tokens: 1, period: 2 }] })
    expect((await operateNode(OK, headers)).status).toBe(200)
    expect((await operateNode(OK, headers, 'limited')).status).toBe(429)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const later = await operateNode(OK, headers, 'limited')
    expect(later.status).toBe(200)
    expect(later.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await executions(code)).toBe(2)
  })

  it('replays an origin timeout as the 504 it was, and does not run the call again', async () => {
    const { code, headers } = await newApp()
    const config = { ORIGIN_URL: fakeOrigin('silent'), ORIGIN_TIMEOUT_MS: '200' }
    const first = await operateNode(config, headers, 'timed-out')
    expect(first.status).toBe(504)
    const firstBody = (await first.json()) as Record<string, unknown>

    const again = await operateNode({ ...OK, ORIGIN_TIMEOUT_MS: '200' }, headers, 'timed-out')
    expect(again.status).toBe(504)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('X-Bkapi-Error-Code')).toBe('1650401')
    expect(again.headers.get('X-Bkapi-Error-Message')).toBe(first.headers.get('X-Bkapi-Error-Message'))
    expect(await again.json()).toEqual({ ...firstBody, request_id: again.headers.get('X-Bkapi-Request-ID') })
    expect(await executions(code)).toBe(1)
  })

  it("replays SOPS's own refusal and a 502 as they ended", async () => {
    const { code, headers } = await newApp()
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      for (const [behaviour, status] of [['sops-error', 200], ['html-500', 502]] as const) {
        const config = { ORIGIN_URL: fakeOrigin(behaviour), LOG_FORMAT: 'json' }
        const first = await operateNode(config, headers, behaviour)
        expect(first.status).toBe(status)
        const again = await operateNode({ ...OK, LOG_FORMAT: 'json' }, headers, behaviour)
        expect(again.status).toBe(status)
        expect(again.headers.get('Idempotent-Replayed')).toBe('true')
      }
      // What the faulty origin said is logged once, by the first call; the replay only repeats the 502.
      const details = log.mock.calls.map(([line]) => (line as { detail: string | null }).detail)
      expect(details).toEqual([null, null, expect.stringContaining('Server Error (500)'), null])
    } finally {
      log.mockRestore()
    }
    expect(await executions(code)).toBe(2)
  })

  it('keeps an answer too large to replay as a 502 that says so, and still does not run the call again', async () => {
    const { code, headers } = await newApp()
    const first = await operateNode({ ORIGIN_URL: fakeOrigin('large') }, headers, 'large')
    expect(first.status).toBe(200)
    expect(((await first.json()) as { data: string }).data).toHaveLength(300_000)
    const again = await operateNode(OK, headers, 'large')
    expect(again.status).toBe(502)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('X-Bkapi-Error-Code')).toBe('1650200')
    expect(await again.json()).toMatchObject({ code_name: 'BAD_GATEWAY', message: expect.stringContaining('was too large to keep for replays') })
    expect(await executions(code)).toBe(1)
  })

  it('forgets a key after its TTL', async () => {
    const { code, headers } = await newApp()
    const config = { ...OK, IDEMPOTENCY_TTL_S: '1' }
    expect((await operateNode(config, headers, 'short-lived')).status).toBe(200)
    expect((await operateNode(config, headers, 'short-lived', { node_id: 'n2', action: 'skip' })).status).toBe(422)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const reused = await operateNode(config, headers, 'short-lived', { node_id: 'n2', action: 'skip' })
    expect(reused.status).toBe(200)
    expect(reused.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await executions(code)).toBe(2)
  })
})

describe('a call that never reports its outcome', () => {
  it('holds the key while it may still run, then answers "outcome unknown" as a replayed 504, never running it again', async () => {
    const { code, headers } = await newApp()
    // A worker claimed the key, called the origin and died before storing the answer.
    const input = { bk_biz_id: '2', task_id: 12, scope: 'cmdb_biz', ...skip }
    const record = await keyRecord(env.IDEMPOTENCY_KEYS, code, 'orphan', 1000)
    const claim = await fingerprint({ resource: 'operate_node', user: 'admin', input })
    expect(await record.claim({ fingerprint: claim, token: 'dead-worker', inFlightMs: 300, ttlMs: 60_000 })).toEqual({ status: 'claimed' })

    const meanwhile = await operateNode(OK, headers, 'orphan')
    expect(meanwhile.status).toBe(409)
    await new Promise((resolve) => setTimeout(resolve, 350))
    for (let i = 0; i < 2; i++) {
      const res = await operateNode(OK, headers, 'orphan')
      expect(res.status).toBe(504)
      expect(res.headers.get('Idempotent-Replayed')).toBe('true')
      expect(await res.json()).toMatchObject({
        code: 1650401,
        code_name: 'REQUEST_BACKEND_TIMEOUT',
        message: expect.stringContaining('never reported its outcome; check get_task_status before using a new key'),
      })
    }
    expect(await executions(code)).toBe(0)

    // Had it been alive after all, what it reports is what is replayed from then on.
    const late = { status: 200, headers: {}, envelope: { result: true, code: 0, message: 'success', data: 'success', request_id: 'x' } }
    expect(await record.complete('dead-worker', late)).toBe(true)
    expect(await answer(await operateNode(OK, headers, 'orphan'))).toMatchObject({ status: 200, replayed: 'true', body: { data: 'success' } })
  })
})

describe('when the store cannot be reached', () => {
  it('refuses a call with a key (500) rather than run it without the guarantee', async () => {
    const { code, headers } = await newApp()
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const broken = failingNamespace(() => Promise.reject(new Error('Durable Object is overloaded')))
    const hanging = failingNamespace(() => new Promise<never>(() => {}))
    try {
      for (const config of [{ IDEMPOTENCY_KEYS: broken }, { IDEMPOTENCY_KEYS: hanging, IDEMPOTENCY_TIMEOUT_MS: '100' }]) {
        const res = await operateNode({ ...OK, ...config, LOG_FORMAT: 'json' }, headers, 'no-store')
        expect(res.status).toBe(500)
        expect(await res.json()).toMatchObject({ code: 1650001, message: 'Internal Server Error [reason="idempotency store unavailable"]' })
        expect(res.headers.get('Server-Timing')).toContain('idempotency;desc="unavailable"')
      }
      // Why the store failed is for the log, in the call's access-log line.
      expect(log.mock.calls.map(([line]) => (line as { detail: string | null }).detail)).toEqual([
        'claim: Durable Object is overloaded',
        'claim: no answer within 100 ms',
      ])
    } finally {
      log.mockRestore()
    }
    expect(await executions(code)).toBe(0)
  })

  it('gives the caller the real answer when the outcome cannot be stored', async () => {
    const { code, headers } = await newApp()
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const real = env.IDEMPOTENCY_KEYS
    const failsToStore = {
      getByName: (name: string) => {
        const stub = real.getByName(name)
        return {
          claim: (claim: Claim) => stub.claim(claim),
          release: (key: string, token: string) => stub.release(key, token),
          complete: () => Promise.reject(new Error('storage reset')),
        }
      },
    } as unknown as Env['IDEMPOTENCY_KEYS']
    const res = await operateNode({ ...OK, IDEMPOTENCY_KEYS: failsToStore }, headers, 'unstored')
    expect(await answer(res)).toMatchObject({ status: 200, replayed: null, body: { result: true, data: 'success' } })
    expect(error).toHaveBeenCalledWith('idempotency: claim not settled: complete: storage reset')
    // The key stays claimed: it is never free to run twice.
    expect((await operateNode(OK, headers, 'unstored')).status).toBe(409)
    expect(await executions(code)).toBe(1)
  })

  it('names a bad configuration', async () => {
    const { headers } = await newApp()
    const res = await operateNode({ ...OK, IDEMPOTENCY_TTL_S: '1d' }, headers, 'config')
    expect(await res.json()).toMatchObject({ code: 1650001, message: 'Internal Server Error [reason="invalid IDEMPOTENCY_TTL_S: must be a positive integer"]' })
  })
})

describe('timing and CORS', () => {
  it('reports the time spent on the key in Server-Timing, beside the four usual entries', async () => {
    const { headers } = await newApp()
    const first = await operateNode(OK, headers, 'timed')
    expect(first.headers.get('Server-Timing')).toMatch(/^auth;[^,]+, ratelimit;[^,]+, idempotency;desc="claimed";dur=[\d.]+, origin;desc="200";[^,]+, total;/)
    const again = await operateNode(OK, headers, 'timed')
    expect(again.headers.get('Server-Timing')).toMatch(/idempotency;desc="replay";dur=[\d.]+, origin;desc="skipped";dur=0,/)
  })

  it('lets browsers send the key and read the replay header', async () => {
    const { headers } = await newApp()
    const config = { ...OK, CORS_ORIGINS: 'https://ui.example' }
    const preflight = await callWith(config, NODE_PATH, {
      method: 'OPTIONS',
      headers: { Origin: 'https://ui.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'idempotency-key' },
    })
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toContain('Idempotency-Key')
    await operateNode(config, { ...headers, Origin: 'https://ui.example' }, 'cors')
    const replayed = await operateNode(config, { ...headers, Origin: 'https://ui.example' }, 'cors')
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true')
    expect(replayed.headers.get('Access-Control-Expose-Headers')).toContain('Idempotent-Replayed')
  })
})

describe('the typed client', () => {
  it('sends a key per call, and the answers narrow by status', async () => {
    const { code } = await newApp()
    const sops = sopsClient(
      'https://gateway.test',
      { bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' },
      { fetch: (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init), { ...env, ...OK }) },
    )
    const operate = sops.api['bk-sops'].prod.operate_node[':bk_biz_id'][':task_id']
    const send = (node_id: string) =>
      operate.$post({ param: { bk_biz_id: '2', task_id: '12' }, json: { node_id, action: 'skip' } }, { headers: { 'Idempotency-Key': 'from-client' } })

    expect((await send('n1')).status).toBe(200)
    const replayed = await send('n1')
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true')
    const reused = await send('n2')
    expect(reused.status).toBe(422)
    if (reused.status === 422) expect((await reused.json()).code_name).toBe('IDEMPOTENCY_KEY_REUSED')
    expect(await executions(code)).toBe(1)
  })
})
