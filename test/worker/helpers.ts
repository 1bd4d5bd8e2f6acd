/** Test helpers for calling the real gateway app in workerd with real KV records. */
import { env, exports } from 'cloudflare:workers'
import { inject } from 'vitest'
import app from '../../src/http/app.ts'
import type { DevelopmentBindings } from '../../src/origin/origin.ts'
import { secretHash, tokenHash } from '../../src/credentials/hash.ts'
import type { ResourceName } from '../../src/resources/table.ts'
import { type AppRecord, type RateWindow, appKey, appRecordSchema, tokenKey, tokenRecordSchema } from '../../src/credentials/records.ts'
import type { RecordedRequest } from '../support/recorded-request.ts'

export interface AppOptions {
  secrets?: string[]
  disabled?: boolean
  userExempt?: boolean
  resources?: '*' | ResourceName[]
  biz?: '*' | string[]
  rateLimits?: RateWindow[]
}

let serial = 0
/** App codes unique within a test file, so the isolate's credential cache never mixes tests. */
export const uniqueCode = (prefix = 'app') => `${prefix}-${Date.now().toString(36)}-${++serial}`

export async function seedApp(code: string, options: AppOptions = {}): Promise<AppRecord> {
  const now = new Date().toISOString()
  const record = appRecordSchema.parse({
    version: 1,
    bk_app_code: code,
    secrets: await Promise.all(
      (options.secrets ?? ['secret']).map(async (s) => ({ hash: await secretHash(env.CREDENTIAL_PEPPER, code, s), created_at: now })),
    ),
    disabled: options.disabled ?? false,
    user_exempt: options.userExempt ?? false,
    permissions: { resources: options.resources ?? '*', biz: options.biz ?? '*' },
    ...(options.rateLimits ? { rate_limits: options.rateLimits } : {}),
    created_at: now,
    updated_at: now,
  })
  await env.CREDENTIALS.put(appKey(code), JSON.stringify(record))
  return record
}

export async function seedToken(bkToken: string, username: string, ttlMs = 3_600_000): Promise<void> {
  const record = tokenRecordSchema.parse({
    version: 1,
    username,
    expires_at: Date.now() + ttlMs,
    created_at: new Date().toISOString(),
  })
  await env.CREDENTIALS.put(tokenKey(await tokenHash(bkToken)), JSON.stringify(record))
}

export const authHeader = (credentials: Record<string, unknown>) => ({ 'X-Bkapi-Authorization': JSON.stringify(credentials) })

/** An app exempt from user verification, and the header that calls as it for user `admin`. */
export async function exemptApp(options: AppOptions = {}, code = uniqueCode()) {
  await seedApp(code, { userExempt: true, ...options })
  return { code, headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' }) }
}

export interface CallInit {
  method?: string
  headers?: Record<string, string>
  /** An object is sent as JSON; a string or a stream as it is. */
  body?: unknown
  /** What Cloudflare's edge would tell the Worker (`request.cf`), e.g. `{ colo: 'FRA' }`. */
  cf?: Partial<IncomingRequestCfProperties>
}

export function toRequest(path: string, init: CallInit): Request {
  const body =
    init.body === undefined || typeof init.body === 'string' || init.body instanceof ReadableStream
      ? init.body
      : JSON.stringify(init.body)
  return new Request(new URL(path, 'https://gateway.test'), {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
    body,
    ...(init.cf ? { cf: init.cf } : {}),
  })
}

/** A call through the Worker's real entrypoint, with the configured origin (the reference engine). */
export const call = (path: string, init: CallInit = {}) => exports.default.fetch(toRequest(path, init))

/** A call to the same app with some configuration changed (e.g. ORIGIN_URL to a faulty origin). */
export const callWith = (overrides: Partial<Env & DevelopmentBindings>, path: string, init: CallInit = {}) =>
  app.fetch(toRequest(path, init), { ...env, ...overrides })

/** Base URL of the stand-in origin with the given behaviour (test/support/origin-server.ts). */
export const fakeOrigin = (behaviour: string) => `${inject('originUrl')}/${behaviour}/`

/** What the stand-in origin received for the call with this X-Request-ID, or this X-Bkapi-Request-ID. */
export async function recordedAtOrigin(id: string) {
  const res = await fetch(`${inject('originUrl')}/__recorded/${id}`)
  return (await res.json()) as RecordedRequest | null
}

const base64urlText = (part: string) => new TextDecoder().decode(Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))

/** A JWT's header and claims (its signature is the origin's business). */
export function decodeJwt(token: string) {
  const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(base64urlText(part)))
  return { header, payload }
}

/** All that a recorded request holds, the X-Bkapi-Jwt's header and claims decoded: where a leaked credential would show. */
export function originSaw(received: RecordedRequest): string {
  const jwt = received.headers['x-bkapi-jwt']
  return JSON.stringify({ ...received, jwt: jwt ? decodeJwt(jwt) : null })
}
