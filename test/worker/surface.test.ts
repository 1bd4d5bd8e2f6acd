/** The routes around the resources: /healthz, /openapi.json, CORS for browser front-ends, trailing slashes. */
import { describe, expect, it } from 'vitest'
import { call, callWith } from './helpers.ts'

describe('/openapi.json', () => {
  it('describes both URL forms of every resource from the same schemas', async () => {
    const res = await call('/openapi.json')
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, any>> }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/bk-sops/prod/get_task_status/{task_id}/{bk_biz_id}/',
      '/api/bk-sops/prod/node_callback/{task_id}/{bk_biz_id}/',
      '/api/bk-sops/prod/operate_node/{bk_biz_id}/{task_id}/',
      '/api/bk-sops/prod/operate_task/{task_id}/{bk_biz_id}/',
      '/api/c/compapi/v2/sops/get_task_status/',
      '/api/c/compapi/v2/sops/node_callback/',
      '/api/c/compapi/v2/sops/operate_node/',
      '/api/c/compapi/v2/sops/operate_task/',
    ])
    const operateNode = doc.paths['/api/bk-sops/prod/operate_node/{bk_biz_id}/{task_id}/']?.post
    const body = operateNode.requestBody.content['application/json'].schema
    expect(body.required).toEqual(['node_id', 'action'])
    expect(body.properties.action.enum).toContain('skip_exg')
    expect(body.properties.node_id.pattern).toBe('^[A-Za-z0-9_-]{1,64}$')
    expect(operateNode.parameters.map((p: { name: string }) => p.name)).toEqual(['bk_biz_id', 'task_id'])
    expect(Object.keys(operateNode.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404', '413', '429', '500', '502', '504']))
    const esbStatus = doc.paths['/api/c/compapi/v2/sops/get_task_status/']?.get
    expect(esbStatus.parameters.map((p: { name: string }) => p.name)).toEqual(['bk_biz_id', 'task_id', 'scope', 'subprocess_id', 'with_ex_data'])
  })
})

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
  })
})

it('answers /healthz without credentials, with or without a trailing slash', async () => {
  for (const path of ['/healthz', '/healthz/']) {
    const res = await call(path)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ result: true, code: 0 })
  }
})
