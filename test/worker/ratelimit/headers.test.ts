/** Rate-limit headers: BlueKing's X-Bkapi-RateLimit-* and the draft-10 structured fields. */
import { env } from 'cloudflare:workers'
import { parseList } from 'structured-headers'
import { describe, expect, it } from 'vitest'
import { PLUGIN, rateLimitHeaders } from '../../../src/ratelimit/headers.ts'
import type { Decision } from '../../../src/ratelimit/protocol.ts'
import { acquire } from './support.ts'

/** A structured-field list as plain values: `[["1s", {q: 10, w: 1}], …]`. */
const list = (field: string | undefined) => parseList(field ?? '').map(([value, params]) => [value, Object.fromEntries(params)])

const windows = [
  { tokens: 10, period: 1 },
  { tokens: 600, period: 60 },
]

describe('rate-limit headers', () => {
  it('advertise every window as a structured-field policy and the tightest one in RateLimit', () => {
    const headers = rateLimitHeaders({
      allowed: true,
      windows: [
        { ...windows[0]!, remaining: 7, resetMs: 400 },
        { ...windows[1]!, remaining: 580, resetMs: 59_000 },
      ],
    })
    expect(headers['RateLimit-Policy']).toBe('"1s";q=10;w=1, "60s";q=600;w=60')
    expect(list(headers['RateLimit-Policy'])).toEqual([
      ['1s', { q: 10, w: 1 }],
      ['60s', { q: 600, w: 60 }],
    ])
    expect(list(headers.RateLimit)).toEqual([['1s', { r: 7, t: 1 }]])
    expect(headers).toMatchObject({
      'X-Bkapi-RateLimit-Limit': '10',
      'X-Bkapi-RateLimit-Remaining': '7',
      'X-Bkapi-RateLimit-Reset': '1',
      'X-Bkapi-RateLimit-Plugin': PLUGIN,
    })
    expect(headers['Retry-After']).toBeUndefined()
  })

  it('on refusal name the exhausted window and never ask to retry before it gives quota back', () => {
    const refused: Decision = {
      allowed: false,
      windows: [
        { ...windows[0]!, remaining: 3, resetMs: 10 },
        { ...windows[1]!, remaining: 0, resetMs: 12_345 },
      ],
    }
    const headers = rateLimitHeaders(refused)
    expect(list(headers.RateLimit)).toEqual([['60s', { r: 0, t: 13 }]])
    expect(headers['X-Bkapi-RateLimit-Remaining']).toBe('0')
    expect(headers['X-Bkapi-RateLimit-Reset']).toBe('13')
    expect(headers['Retry-After']).toBe('13')
  })

  it('ask for at least one second before a retry', () => {
    const headers = rateLimitHeaders({ allowed: false, windows: [{ ...windows[0]!, remaining: 0, resetMs: 3 }] })
    expect(headers['Retry-After']).toBe('1')
  })

  it('follow the decisions of a limiter object: remaining and reset count down', async () => {
    const stub = env.RATE_LIMITER.getByName('headers/countdown')
    const limit = [{ tokens: 3, period: 10 }]
    const t0 = Date.now() + 600_000
    const seen = []
    for (const dt of [0, 1500, 3000, 4500]) seen.push(rateLimitHeaders((await acquire(stub, { windows: limit, admit: true, at: t0 + dt })).decision))
    expect(seen.map((h) => h['X-Bkapi-RateLimit-Remaining'])).toEqual(['2', '1', '0', '0'])
    const resets = seen.map((h) => Number(h['X-Bkapi-RateLimit-Reset']))
    expect(resets[0]).toBeGreaterThanOrEqual(10)
    for (let i = 1; i < resets.length; i++) expect(resets[i]).toBeLessThan(resets[i - 1]!)
    expect(seen.map((h) => h['Retry-After'])).toEqual([undefined, undefined, undefined, String(resets[3])])
    for (const h of seen) expect(list(h.RateLimit)[0]?.[1]).toEqual({ r: Number(h['X-Bkapi-RateLimit-Remaining']), t: Number(h['X-Bkapi-RateLimit-Reset']) })
  })

  it('show a limit too large for a structured field as the largest one, still well-formed', () => {
    const huge = 10 ** 16
    const headers = rateLimitHeaders({ allowed: true, windows: [{ tokens: huge, period: 60, remaining: huge - 1, resetMs: 0 }] })
    expect(list(headers['RateLimit-Policy'])).toEqual([['60s', { q: 999_999_999_999_999, w: 60 }]])
    expect(headers['X-Bkapi-RateLimit-Limit']).toBe(String(huge))
  })
})
