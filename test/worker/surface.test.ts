/** The routes around the resources: /healthz, CORS for browser front-ends, trailing slashes (/openapi.json: openapi.test.ts). */
import { describe, expect, it } from 'vitest'
import { call, callWith } from './helpers.ts'

describe('CORS', () => {
  it('answers preflights for the allowed origins only', async () => {
    const preflight = (origin: string) =>
      callWith({ CORS_ORIGINS: 'https://ops.example.com' }, '/api/bk-sops/prod/operate_node/2/12/', {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-bkapi-authorization' },
      })
    const allowed = await preflight('https://ops.example.com')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://ops.example.com')
    expect(allowed.headers.get('Access-Control-Allow-Headers')).toContain('X-Bkapi-Authorization')
    expect((await preflight('https://evil.example.com')).headers.get('Access-Control-Allow-Origin')).toBeNull()
  })

  it('sends nothing by default, and exposes the request id to allowed origins', async () => {
    expect((await call('/healthz', { headers: { Origin: 'https://ops.example.com' } })).headers.get('Access-Control-Allow-Origin')).toBeNull()
    const res = await callWith({ CORS_ORIGINS: '*' }, '/healthz', { headers: { Origin: 'https://ops.example.com' } })
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('X-Bkapi-Request-ID')
  })
})

it('answers /healthz without credentials, with or without a trailing slash', async () => {
  for (const path of ['/healthz', '/healthz/']) {
    const res = await call(path)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ result: true, code: 0 })
  }
})
