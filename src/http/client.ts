/**
 * `sops-edge/client`: the typed client for front-ends, `hono/client` over the gateway's routes.
 * `npm run build` (scripts/build.ts) turns this file into dist/client.js and a self-contained
 * dist/client.d.ts, where `Routes` is written out in full: a consumer's compiler never re-derives it.
 *
 *   const sops = sopsClient('https://sops-edge.example.com', { bk_app_code, bk_app_secret, bk_token })
 *   const res = await sops.api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({
 *     param: { task_id: '12', bk_biz_id: '2' },
 *   })
 *   if (res.status === 200) { const answer = await res.json(); ... } else { const error = await res.json(); ... }
 */
import type { Hono } from 'hono'
import { type ClientRequestOptions, hc } from 'hono/client'
import type { BlankEnv, ExtractSchema } from 'hono/types'
import type { EsbCredentials } from '../credentials/fields.ts'
import type { AppType } from './app.ts'

export type { ErrorEnvelope, ErrorName, FieldProblem } from '../lib/errors.ts'
export type { TaskStatus } from './schemas.ts'

/** Every route with its parameters and its answer per status: the gateway's own type, without its Workers bindings. */
export type Routes = ExtractSchema<AppType>

export type SopsClient = ReturnType<typeof hc<Hono<BlankEnv, Routes>>>

/** The app's code and secret, named as every credential field is (../credentials/fields.ts). */
export type AppCredentials = Required<Pick<EsbCredentials, 'bk_app_code' | 'bk_app_secret'>>

/**
 * The app's code and secret, always, and the user: a login `bk_token`, a `bk_username` (apps exempt
 * from user verification), or `loginCookie: true` for a page on the gateway's own origin whose
 * browser holds the `bk_token` login cookie (POST calls only: see signer).
 */
export type Credentials = AppCredentials &
  (
    | { bk_token: string; bk_username?: never; loginCookie?: never }
    | { bk_username: string; bk_token?: never; loginCookie?: never }
    | { loginCookie: true; bk_token?: never; bk_username?: never }
  )

/**
 * A client for the gateway at `baseUrl` (an absolute URL, or a path such as `/` on the page's own
 * origin). `init` is hono/client's options (`headers`, `init`, `fetch`, …); a custom `fetch` belongs
 * here, where it receives each request with its credentials, not in a single call's options.
 */
export function sopsClient(baseUrl: string, credentials: Credentials, init: ClientRequestOptions = {}): SopsClient {
  const sign = signer(credentials)
  return hc<Hono<BlankEnv, Routes>>(baseUrl, {
    ...init,
    fetch: (input: RequestInfo | URL, requestInit?: RequestInit) => (init.fetch ?? fetch)(...sign(input, requestInit ?? {})),
  })
}

type Signer = (input: RequestInfo | URL, init: RequestInit) => [RequestInfo | URL, RequestInit]

const present = (value: unknown): value is string => typeof value === 'string' && value !== ''

/**
 * How each request carries the credentials: never in a URL, which proxies, the runtime's traces and
 * error logs keep (CONTRACT §3). X-Bkapi-Authorization, when present, is the only source the gateway
 * reads, so with the login cookie the app's code and secret go in the JSON body of a POST (whose
 * Content-Type is JSON, as the gateway requires of a cookie-authenticated call); a GET has no body, and
 * is refused before it is sent.
 */
function signer(credentials: Credentials): Signer {
  const { bk_app_code, bk_app_secret } = credentials ?? {}
  if (!present(bk_app_code) || !present(bk_app_secret)) {
    throw new TypeError('sopsClient: credentials need bk_app_code and bk_app_secret (the gateway accepts no call without them)')
  }
  const app = { bk_app_code, bk_app_secret }
  if ('loginCookie' in credentials && credentials.loginCookie === true) {
    return (input, init) => {
      if (init.method === 'GET' || init.method === 'HEAD') {
        throw new TypeError('sopsClient: with loginCookie a GET would carry the app secret in its URL; read with a bk_token or bk_username instead')
      }
      return [input, withJsonFields(init, app)]
    }
  }
  const user = present(credentials.bk_token)
    ? { bk_token: credentials.bk_token }
    : present(credentials.bk_username)
      ? { bk_username: credentials.bk_username }
      : undefined
  if (!user) throw new TypeError('sopsClient: credentials need a bk_token, a bk_username, or loginCookie: true')
  const authorization = JSON.stringify({ ...app, ...user })
  return (input, init) => {
    const headers = new Headers(init.headers)
    headers.set('X-Bkapi-Authorization', authorization)
    return [input, { ...init, headers }]
  }
}

function withJsonFields(init: RequestInit, fields: Record<string, string>): RequestInit {
  const body = typeof init.body === 'string' && init.body !== '' ? (JSON.parse(init.body) as Record<string, unknown>) : {}
  const headers = new Headers(init.headers)
  headers.set('Content-Type', 'application/json')
  return { ...init, headers, body: JSON.stringify({ ...body, ...fields }) }
}
