/** Rate-limit headers: BlueKing's X-Bkapi-RateLimit-* and the draft-10 structured fields. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { PLUGIN, rateLimitHeaders } from '../../../src/ratelimit/headers.ts'
import type { Decision } from '../../../src/ratelimit/limiter.ts'
import { parseList } from './structured-fields.ts'

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
    expect(parseList(headers['RateLimit-Policy']!)).toEqual([
      { value: '1s', params: { q: 10, w: 1 } },
      { value: '60s', params: { q: 600, w: 60 } },
    ])
    expect(parseList(headers.RateLimit!)).toEqual([{ value: '1s', params: { r: 7, t: 1 } }])
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
    expect(parseList(headers.RateLimit!)).toEqual([{ value: '60s', params: { r: 0, t: 13 } }])
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
    for (const dt of [0, 1500, 3000, 4500]) seen.push(rateLimitHeaders(await stub.decide({ windows: limit, at: t0 + dt })))
    expect(seen.map((h) => h['X-Bkapi-RateLimit-Remaining'])).toEqual(['2', '1', '0', '0'])
    const resets = seen.map((h) => Number(h['X-Bkapi-RateLimit-Reset']))
    expect(resets[0]).toBeGreaterThanOrEqual(10)
    for (let i = 1; i < resets.length; i++) expect(resets[i]).toBeLessThan(resets[i - 1]!)
    expect(seen.map((h) => h['Retry-After'])).toEqual([undefined, undefined, undefined, String(resets[3])])
    for (const h of seen) expect(parseList(h.RateLimit!)[0]?.params).toEqual({ r: Number(h['X-Bkapi-RateLimit-Remaining']), t: Number(h['X-Bkapi-RateLimit-Reset']) })
  })
})

describe('the structured-field parser used above', () => {
  it('rejects what RFC 9651 rejects', () => {
    for (const bad of ['"1s";q=10,', '1s";q=10', '"1s";Q=10', '"1s";q=1234567890123456', '"1s" "2s"']) {
      expect(() => parseList(bad), bad).toThrow(SyntaxError)
    }
  })
})
