/** The few HTML pages of the sign-in flow: escaped by hono/html, never framed, no script. */
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

export const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
}

const STYLE = 'body{font:15px system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.4rem 1.2rem;margin-right:.5rem}dt{font-weight:600}'

export const page = (title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><style>${STYLE}</style></head><body><h1>${title}</h1>${body}</body></html>`

export interface ConsentFacts {
  handle: string
  clientName: string
  clientId: string
  redirectHost: string
  appCode: string
  username: string
  scope: string[]
}

export const consentPage = (f: ConsentFacts) =>
  page(
    'Allow access to SOPS?',
    html`<p><strong>${f.clientName}</strong> asks to call BlueKing SOPS as <strong>${f.username}</strong>.</p>
<dl><dt>Client</dt><dd>${f.clientName} (<code>${f.clientId}</code>), sending you back to <code>${f.redirectHost}</code></dd>
<dt>App</dt><dd><code>${f.appCode}</code></dd>
<dt>User</dt><dd>${f.username}</dd>
<dt>Scope</dt><dd>${f.scope.map((s) => html`<code>${s}</code> `)}</dd></dl>
<p>It may act on these tasks for up to an hour at a time, and keep doing so for 30 days unless you sign out or the grant is revoked.</p>
<form method="post"><input type="hidden" name="handle" value="${f.handle}">
<button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button></form>`,
  )

export const errorPage = (message: string) => page('Sign-in failed', html`<p>${message}</p>`)
