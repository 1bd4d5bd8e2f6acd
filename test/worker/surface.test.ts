/** The routes around the resources: /, /healthz, CORS for browser front-ends, trailing slashes (/openapi.json: openapi.test.ts). */
import { describe, expect, it } from 'vitest'
import { env } from 'cloudflare:workers'
import { call, callWith } from './helpers.ts'

const assets = (env as unknown as { ASSETS: Fetcher }).ASSETS

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

  it('answers a preflight 204 with no allow headers when the origin is not allowed, never 404', async () => {
    for (const CORS_ORIGINS of ['', 'https://ops.example.com']) {
      const res = await callWith({ CORS_ORIGINS }, '/api/c/compapi/v2/sops/operate_node/', {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'POST' },
      })
      expect(res.status).toBe(204)
      for (const name of ['Access-Control-Allow-Origin', 'Access-Control-Allow-Methods', 'Access-Control-Allow-Headers']) {
        expect(res.headers.get(name), `${name} with CORS_ORIGINS=${CORS_ORIGINS}`).toBeNull()
      }
    }
  })

  it('sends nothing by default, and exposes the request id to allowed origins', async () => {
    expect((await call('/healthz', { headers: { Origin: 'https://ops.example.com' } })).headers.get('Access-Control-Allow-Origin')).toBeNull()
    const res = await callWith({ CORS_ORIGINS: '*' }, '/healthz', { headers: { Origin: 'https://ops.example.com' } })
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('X-Bkapi-Request-ID')
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('https://ops.example.com')
    expect(res.headers.get('Timing-Allow-Origin')).toBe('https://ops.example.com')
    expect(res.headers.get('Vary')).toContain('Origin')
  })
})

it('answers /healthz without credentials, with or without a trailing slash', async () => {
  for (const path of ['/healthz', '/healthz/']) {
    const res = await call(path)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ result: true, code: 0 })
  }
})

it('answers / with where to go: the console and the API description, both served', async () => {
  const res = await call('/')
  expect(res.status).toBe(200)
  const body = await res.json<{ data: Record<string, string> }>()
  expect(body).toMatchObject({ result: true, code: 0, data: { console: '/console/', openapi: '/openapi.json' } })
  // The test pool calls the Worker without the asset router: the console is read through ASSETS (console-assets.test.ts).
  expect((await call(body.data.openapi!)).status).toBe(200)
  expect((await assets.fetch(new Request(`https://gateway.test${body.data.console}`))).status).toBe(200)
})
