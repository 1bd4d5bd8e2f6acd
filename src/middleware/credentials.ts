import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'
import { readCredentials } from '../credentials/extract.ts'

/** Reads the caller's credentials from wherever BlueKing would (see credentials/extract.ts). */
export const credentials = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const body = c.get('body')
    c.set(
      'credentials',
      readCredentials({
        header: c.req.header('X-Bkapi-Authorization'),
        query: c.req.query(),
        body: 'fields' in body ? body.fields : {},
        cookieToken: getCookie(c, 'bk_token'),
      }),
    )
    await next()
  })
