/**
 * App records: create, rotate and retire secrets, enable/disable, permissions and rate limits.
 * Every write goes through `appRecordSchema`, the schema the gateway reads with.
 */
import { randomBytes } from 'node:crypto'
import { appKey, appRecordSchema } from '../../src/credentials/records.ts'
import type { AppRecord, RateWindow } from '../../src/credentials/records.ts'
import type { ResourceName } from '../../src/resources/table.ts'
import { secretHash } from '../../src/credentials/hash.ts'
import { UserError } from './errors.ts'
import type { AllOr } from './input.ts'
import { parseStored } from './store.ts'
import type { KvStore } from './store.ts'

export interface Permissions {
  biz?: AllOr<string>
  resources?: AllOr<ResourceName>
}

/** A new app names what it may call: an app granted nothing would be refused everything. */
export interface NewApp extends Required<Permissions> {
  code: string
  secret?: string
  userExempt?: boolean
  rate?: RateWindow[]
}

/** 256 random bits, URL-safe: 43 characters, well within BlueKing's 128. */
export const generateSecret = () => randomBytes(32).toString('base64url')

export async function loadApp(kv: KvStore, code: string): Promise<AppRecord | null> {
  const raw = await kv.get(appKey(code))
  if (raw === null) return null
  return parseStored(appRecordSchema, raw, `record of app ${code}`)
}

async function requireApp(kv: KvStore, code: string): Promise<AppRecord> {
  const app = await loadApp(kv, code)
  if (!app) throw new UserError(`no app ${code}; create it with \`app create ${code}\``)
  return app
}

async function saveApp(kv: KvStore, app: AppRecord): Promise<AppRecord> {
  const record = appRecordSchema.parse({ ...app, updated_at: new Date().toISOString() })
  await kv.put(appKey(record.bk_app_code), JSON.stringify(record))
  return record
}

/** How a secret becomes the hash stored in its app's record (the gateway's pepper is in it somewhere). */
export type SecretHasher = (bkAppCode: string, secret: string) => Promise<string>

/** Hashes with the pepper itself: the local state's, which the CLI holds. */
export const pepperHasher =
  (pepper: string): SecretHasher =>
  (bkAppCode, secret) =>
    secretHash(pepper, bkAppCode, secret)

/** Creates an app; returns its secret (the given one or a generated one), which is stored only as a hash. */
export async function createApp(kv: KvStore, hash: SecretHasher, app: NewApp): Promise<{ record: AppRecord; secret: string }> {
  if (await loadApp(kv, app.code)) throw new UserError(`app ${app.code} already exists`)
  const secret = app.secret ?? generateSecret()
  const now = new Date().toISOString()
  const record = await saveApp(kv, {
    version: 1,
    bk_app_code: app.code,
    secrets: [{ hash: await hash(app.code, secret), created_at: now }],
    disabled: false,
    user_exempt: app.userExempt ?? false,
    permissions: { biz: app.biz, resources: app.resources },
    rate_limits: app.rate,
    created_at: now,
    updated_at: now,
  })
  return { record, secret }
}

/** Adds a second valid secret, so callers can switch over before the old one is retired. */
export async function rotateSecret(kv: KvStore, hashSecret: SecretHasher, code: string): Promise<{ record: AppRecord; secret: string }> {
  const app = await requireApp(kv, code)
  if (app.secrets.length >= 2) {
    throw new UserError(`app ${code} already has two valid secrets; retire the older one first with \`app retire-secret ${code}\``)
  }
  const secret = generateSecret()
  const hash = await hashSecret(code, secret)
  const record = await saveApp(kv, { ...app, secrets: [...app.secrets, { hash, created_at: new Date().toISOString() }] })
  return { record, secret }
}

/** Drops the older of two secrets. */
export async function retireSecret(kv: KvStore, code: string): Promise<AppRecord> {
  const app = await requireApp(kv, code)
  if (app.secrets.length < 2) {
    throw new UserError(`app ${code} has a single secret; \`app rotate ${code}\` first, then retire the old one`)
  }
  return saveApp(kv, { ...app, secrets: app.secrets.slice(1) })
}

export async function setDisabled(kv: KvStore, code: string, disabled: boolean): Promise<AppRecord> {
  return saveApp(kv, { ...(await requireApp(kv, code)), disabled })
}

export async function grant(kv: KvStore, code: string, add: Permissions): Promise<AppRecord> {
  const app = await requireApp(kv, code)
  const { biz, resources } = app.permissions
  return saveApp(kv, {
    ...app,
    permissions: { biz: add.biz ? union(biz, add.biz) : biz, resources: add.resources ? union(resources, add.resources) : resources },
  })
}

export async function ungrant(kv: KvStore, code: string, remove: Permissions): Promise<AppRecord> {
  const app = await requireApp(kv, code)
  const { biz, resources } = app.permissions
  return saveApp(kv, {
    ...app,
    permissions: {
      biz: remove.biz ? without(biz, remove.biz, `app ungrant ${code} --biz '*'`) : biz,
      resources: remove.resources ? without(resources, remove.resources, `app ungrant ${code} --resources '*'`) : resources,
    },
  })
}

/** `undefined` restores the gateway's configured default. */
export async function setRate(kv: KvStore, code: string, rate: RateWindow[] | undefined): Promise<AppRecord> {
  return saveApp(kv, { ...(await requireApp(kv, code)), rate_limits: rate })
}

export async function listApps(kv: KvStore): Promise<AppRecord[]> {
  const keys = await kv.list(appKey(''))
  const apps = await Promise.all(keys.map((key) => loadApp(kv, key.slice(appKey('').length))))
  return apps.filter((app) => app !== null)
}

function union<T extends string>(current: AllOr<T>, add: AllOr<T>): AllOr<T> {
  if (current === '*' || add === '*') return '*'
  return [...new Set([...current, ...add])]
}

/** Nothing can be taken out of `*`: the operator ungrants all, then grants what stays. */
function without<T extends string>(current: AllOr<T>, remove: AllOr<T>, ungrantAll: string): AllOr<T> {
  if (remove === '*') return []
  if (current === '*') throw new UserError(`the app has * (all); \`${ungrantAll}\` first, then grant what it keeps`)
  return current.filter((item) => !remove.includes(item))
}
