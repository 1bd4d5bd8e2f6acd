/**
 * The operator console as the Worker's static assets (dist/assets, built by `npm run build`): its
 * page, script and styles, and the headers of console/_headers on each, the strict CSP first. The
 * test pool calls the Worker without the asset router, so these are read through the ASSETS binding
 * that vitest.config.ts adds; test/node/console.test.ts uses the console in a browser on `npm run dev`.
 */
import { env } from 'cloudflare:workers'
import { expect, it } from 'vitest'

const assets = (env as unknown as { ASSETS: Fetcher }).ASSETS
const get = (path: string) => assets.fetch(new Request(`https://gateway.test${path}`, { redirect: 'manual' }))

it('serves the console page, its script and its styles', async () => {
  const page = await get('/console/')
  expect(page.status).toBe(200)
  expect(page.headers.get('Content-Type')).toMatch(/^text\/html/)
  expect(await page.text()).toContain('<script type="module" src="console.js"></script>')
  for (const [path, type] of [
    ['/console/console.js', /^text\/javascript/],
    ['/console/console.css', /^text\/css/],
  ] as const) {
    const res = await get(path)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toMatch(type)
    await res.arrayBuffer()
  }
  const bare = await get('/console')
  expect([bare.status, bare.headers.get('Location')]).toEqual([307, '/console/'])
})

it('has no inline script or style, under a CSP that allows none', async () => {
  const page = await get('/console/')
  const csp = page.headers.get('Content-Security-Policy') ?? ''
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
    expect(csp).toContain(directive)
  }
  expect(csp).not.toContain('unsafe-')
  expect(page.headers.get('X-Content-Type-Options')).toBe('nosniff')
  const html = await page.text()
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i)
})

it('labels the task fields exactly, and has none for a credential: signing in is a button', async () => {
  const html = await (await get('/console/')).text()
  for (const label of ['Business ID', 'Task ID']) expect(html).toMatch(new RegExp(`<label for="[a-z-]+">${label}</label>`))
  expect(html).toContain('<button id="sign-in-button" type="button" disabled>Sign in</button>')
  expect(html).not.toMatch(/secret|bk_token|type="password"/i)
})

it('serves no source map', async () => {
  expect((await get('/console/console.js.map')).status).toBe(404)
  expect(await (await get('/console/console.js')).text()).not.toContain('sourceMappingURL')
})
