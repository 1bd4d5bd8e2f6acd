/**
 * `sops-edge/client`: the typed client for front-ends, `hono/client` over the gateway's routes.
 * `npm run build` (scripts/build.ts) turns this file into dist/client.js and a self-contained
 * dist/client.d.ts, where `Routes` is written out in full: a consumer's compiler never re-derives it.
 *
 *   const sops = sopsClient('https://sops-edge.example.com', { accessToken })   // or { bk_app_code, bk_app_secret, bk_token }
 *   const res = await sops.api['bk-sops'].prod.get_task_status[':task_id'][':bk_biz_id'].$get({
 *     param: { task_id: '12', bk_biz_id: '2' },
 *   })
 *   if (res.status === 200) { const answer = await res.json(); ... } else { const error = await res.json(); ... }
 *
 * A browser signs its user in with pkceLogin (./login.ts) and passes `{ accessToken: login.accessToken }`.
 */
import type { Hono } from 'hono'
import { type ClientRequestOptions, hc } from 'hono/client'
import type { BlankEnv, ExtractSchema } from 'hono/types'
import type { EsbCredentials } from '../credentials/fields.ts'
import type { AppType } from './app.ts'
import { type SseEvent, watchStream } from '../live/watch-client.ts'
import { type TaskStatus, taskStatusSchema } from '../resources/schemas.ts'

export type { ErrorEnvelope, ErrorName, FieldProblem } from '../lib/errors.ts'
export type { TaskStatus } from '../resources/schemas.ts'
export { type LoginStorage, type PkceLogin, type PkceLoginOptions, pkceLogin } from './login.ts'

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
export type Credentials = TokenCredentials | SecretCredentials

/** An OAuth access token (README, Front-ends), or a function giving the current one: sent as `Authorization: Bearer`. */
export interface TokenCredentials {
  accessToken: string | (() => string | Promise<string>)
}

export type SecretCredentials = AppCredentials &
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
    fetch: async (input: RequestInfo | URL, requestInit?: RequestInit) => (init.fetch ?? fetch)(...(await sign(input, requestInit ?? {}))),
  })
}

type Signed = [RequestInfo | URL, RequestInit]
type Signer = (input: RequestInfo | URL, init: RequestInit) => Signed | Promise<Signed>
/** What watchTaskStatus calls back. */
export interface WatchHandlers {
  /** Each status: the first at once, then each change. `id` is its version (Last-Event-ID). */
  onStatus(status: TaskStatus, id: number): void
  /** The task reached a final state (FINISHED, REVOKED); the watch is over. */
  onEnd?(state: string): void
  /** The gateway refused the watch (its HTTP status and envelope); the watch is over. */
  onError?(error: { status: number; body: unknown }): void
  signal?: AbortSignal
}

/** Which task to watch; `with_ex_data` adds the failed nodes' errors, as in get_task_status. */
export interface WatchTarget {
  task_id: string | number
  bk_biz_id: string | number
  scope?: 'cmdb_biz' | 'project'
  with_ex_data?: string
}

/**
 * `watchTaskStatus(target, handlers)`: a task's live status (docs/live-status.md) — the status at once,
 * then each change, until the task ends, the gateway refuses, or `handlers.signal` aborts.
 */
export function taskWatcher(baseUrl: string, credentials: Credentials, init: Pick<ClientRequestOptions, 'fetch'> = {}) {
  const sign = signer(credentials)
  const doFetch = init.fetch ?? fetch
  return {
    async watchTaskStatus({ task_id, bk_biz_id, ...query }: WatchTarget, handlers: WatchHandlers): Promise<void> {
      const search = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined))
      const url = new URL(`api/bk-sops/prod/watch_task_status/${encodeURIComponent(task_id)}/${encodeURIComponent(bk_biz_id)}/`, new URL(baseUrl, (globalThis as { location?: { href: string } }).location?.href).href.replace(/\/?$/, '/'))
      if (search.size) url.search = String(search)
      const open = async (lastEventId: string | undefined, signal: AbortSignal | undefined) => {
        const headers: Record<string, string> = { Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) }
        return doFetch(...(await sign(url.href, { method: 'GET', headers, ...(signal ? { signal } : {}) })))
      }
      const refused = await watchStream(open, (event) => dispatch(event, handlers), handlers.signal)
      if (refused) handlers.onError?.(refused)
    },
  }
}

/** True on `end`. A status that does not match get_task_status's schema is skipped, never handed on. */
function dispatch(event: SseEvent, handlers: WatchHandlers): boolean {
  if (event.type === 'end') {
    handlers.onEnd?.(String((parseJson(event.data) as { state?: unknown } | undefined)?.state ?? ''))
    return true
  }
  const status = event.type === 'status' ? taskStatusSchema.safeParse(parseJson(event.data)) : undefined
  if (status?.success) handlers.onStatus(status.data, Number(event.id))
  return false
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}


const present = (value: unknown): value is string => typeof value === 'string' && value !== ''

/**
 * How each request carries the credentials: never in a URL, which proxies, the runtime's traces and
 * error logs keep (CONTRACT §3). X-Bkapi-Authorization, when present, is the only source the gateway
 * reads, so with the login cookie the app's code and secret go in the JSON body of a POST (whose
 * Content-Type is JSON, as the gateway requires of a cookie-authenticated call); a GET has no body, and
 * is refused before it is sent.
 */
function signer(credentials: Credentials): Signer {
  if (credentials && 'accessToken' in credentials) {
    const { accessToken } = credentials
    return async (input, init) => {
      const headers = new Headers(init.headers)
      headers.set('Authorization', `Bearer ${typeof accessToken === 'function' ? await accessToken() : accessToken}`)
      return [input, { ...init, headers }]
    }
  }
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
