/**
 * A stand-in for BlueKing's login page, for `npm run dev` only: it exists when DEV_LOGIN_USERS
 * (`user=bk_token,…`, the demo's seeded tokens) is set, and signs the browser in as one of them by
 * setting the `bk_token` cookie, as BlueKing's login does, then goes back to `c_url` on this origin.
 */
import type { Context } from 'hono'
import { setCookie } from 'hono/cookie'
import { html } from 'hono/html'
import { PAGE_HEADERS, page } from './pages.ts'

const users = (env: Env) =>
  new Map(
    (env.DEV_LOGIN_USERS ?? '')
      .split(',')
      .map((pair) => pair.trim().split('='))
      .filter((pair): pair is [string, string] => pair.length === 2 && Boolean(pair[0]) && Boolean(pair[1])),
  )

/** Only a path on this origin: the page never sends a browser elsewhere. */
function backTo(c: Context<{ Bindings: Env }>, given: string | undefined): string {
  const here = new URL(c.req.url)
  const to = new URL(given ?? '/', here)
  return to.origin === here.origin ? `${to.pathname}${to.search}` : '/'
}

export async function devLogin(c: Context<{ Bindings: Env }>): Promise<Response> {
  const known = users(c.env)
  if (known.size === 0) return c.notFound()
  if (c.req.method === 'POST') {
    const form = await c.req.formData()
    const token = known.get(String(form.get('user') ?? ''))
    if (!token) return c.text('unknown user', 400)
    setCookie(c, 'bk_token', token, { path: '/', httpOnly: true, sameSite: 'Lax' })
    return c.redirect(backTo(c, String(form.get('c_url') ?? '/')), 303)
  }
  const cUrl = backTo(c, c.req.query('c_url'))
  const body = page(
    'Development sign-in',
    html`<p>Stands in for BlueKing's login page while developing. Sign in as:</p>
<form method="post"><input type="hidden" name="c_url" value="${cUrl}">${[...known.keys()].map(
      (user) => html`<button type="submit" name="user" value="${user}">${user}</button>`,
    )}</form>`,
  )
  return new Response(await body, { headers: { ...PAGE_HEADERS, 'Content-Type': 'text/html; charset=utf-8' } })
}
