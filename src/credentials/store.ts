/**
 * App and token records, read from KV through a per-isolate cache so the hot path rarely waits on KV.
 *
 * A record stays cached for AUTH_CACHE_TTL_MS. Two rules keep that cache from refusing what KV already
 * accepts: an absent record is read again after at most a second, and so is a cached app record that a
 * presented secret does not match (a freshly rotated secret), at most once a second per app, so that a
 * flood of wrong secrets costs one KV read a second rather than one per request.
 *
 * And two keep it from accepting what was revoked: the credential feed (./feed.ts) drops a cached
 * record as soon as the isolate learns it was written, within REVOCATION_BOUND_MS, and lays the new
 * record over KV until KV shows it everywhere.
 */
import { GatewayError } from '../lib/errors.ts'
import { type Background, FeedView } from './feed.ts'
import { tokenHash } from './hash.ts'
import { type AppRecord, type TokenRecord, appKey, appRecordSchema, tokenKey, tokenRecordSchema } from './records.ts'

const DEFAULT_TTL_MS = 30_000
/** How soon an absent or mismatched record may be read from KV again. */
export const REREAD_AFTER_MS = 1_000
const MAX_ENTRIES = 5_000

/** Where a check found what it needed: the isolate's memory, or KV. */
export type Source = 'isolate' | 'kv'

interface Entry<T> {
  record: T | null
  readAt: number
  expires: number
}

/** A bounded map that forgets its oldest insertions first (Map keeps insertion order). */
class BoundedCache<V> extends Map<string, V> {
  override set(key: string, value: V): this {
    if (this.size >= MAX_ENTRIES && !this.has(key)) this.delete(this.keys().next().value as string)
    return super.set(key, value)
  }
}

/** App records by app code, each with the secrets already seen to match it, so a hit needs no hashing. */
const apps = new BoundedCache<Entry<AppRecord> & { matched: Set<string> }>()
/** Token records by the token itself, so a hit needs no hashing. */
const tokens = new BoundedCache<Entry<TokenRecord> & { hash: string }>()

/** Drops what the isolate holds of a record the feed says was written (of every record, for null). */
function forget(key: string | null): void {
  if (key === null) {
    apps.clear()
    tokens.clear()
  } else if (key.startsWith('app:')) {
    apps.delete(key.slice('app:'.length))
  } else {
    for (const [token, entry] of tokens) if (`token:${entry.hash}` === key) tokens.delete(token)
  }
}

const feed = new FeedView(forget)

/**
 * Makes sure the isolate has heard of every credential write older than the revocation bound; a promise
 * only when the caller must wait for it.
 */
export const confirmCredentials = (env: Env, background: Background) => feed.confirm(env.CREDENTIAL_FEED, background)

/** Brings the isolate's view of the feed up to now: the isolate that made a write honours it at once. */
export const catchUpWithFeed = async (env: Env) => feed.refresh(env.CREDENTIAL_FEED, 0)

async function read<T>(env: Env, key: string, parse: (raw: unknown) => T | undefined): Promise<T | null> {
  let raw: unknown
  try {
    raw = await env.CREDENTIALS.get(key, 'json')
    // Checked after the read: a write the feed reported meanwhile counts too.
    const overlaid = feed.overlaid(key)
    if (overlaid) raw = newer(overlaid.record === null ? null : JSON.parse(overlaid.record), raw)
  } catch {
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'credential store unavailable' })
  }
  if (raw === null) return null
  const record = parse(raw)
  if (record === undefined) throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: `invalid credential record ${key.split(':')[0]}` })
  return record
}

/**
 * The feed's record unless KV's is a later write of the same record (KV can be ahead of the isolate's
 * view of the feed by one poll, behind it by a minute). A deletion has no date: it stands until the
 * next poll shows a later write.
 */
function newer(fromFeed: unknown, fromKv: unknown): unknown {
  const written = (record: unknown) => {
    const { updated_at, created_at } = (record ?? {}) as { updated_at?: unknown; created_at?: unknown }
    return String(updated_at ?? created_at ?? '')
  }
  return fromFeed !== null && fromKv !== null && written(fromKv) > written(fromFeed) ? fromKv : fromFeed
}

const parseApp = (raw: unknown) => appRecordSchema.safeParse(raw).data
const parseToken = (raw: unknown) => tokenRecordSchema.safeParse(raw).data

function expiry(env: Env, now: number): number {
  const ttl = Number(env.AUTH_CACHE_TTL_MS ?? DEFAULT_TTL_MS)
  return now + (Number.isFinite(ttl) ? ttl : DEFAULT_TTL_MS)
}

/**
 * Marks an entry as being read again, before any await: requests arriving meanwhile answer from it for
 * up to a second instead of all reading KV at once (they may not await the read this one started).
 */
function claim(entry: Entry<unknown>, now: number): void {
  entry.readAt = now
  entry.expires = Math.max(entry.expires, now + REREAD_AFTER_MS)
}

/** Whether a cached entry may answer: unexpired, and an absent record only until it may be read again. */
function isFresh(entry: Entry<unknown>, now: number): boolean {
  return entry.expires > now && (entry.record !== null || now - entry.readAt < REREAD_AFTER_MS)
}

export interface Found<T> {
  record: T | null
  from: Source
}

/**
 * The app whose record one of `secretMatches` accepts, or null: an unknown app and a wrong secret are
 * the same answer. `secretMatches` hashes and compares; it runs only for a secret not already matched.
 */
export async function findAppFor(
  env: Env,
  appCode: string,
  secret: string,
  secretMatches: (record: AppRecord) => Promise<boolean>,
): Promise<Found<AppRecord>> {
  const now = Date.now()
  let entry = apps.get(appCode)
  let from: Source = 'isolate'
  if (!entry || !isFresh(entry, now)) {
    if (entry) claim(entry, now)
    entry = { record: await read(env, appKey(appCode), parseApp), readAt: now, expires: expiry(env, now), matched: new Set() }
    apps.set(appCode, entry)
    from = 'kv'
  }
  if (!entry.record) return { record: null, from }
  if (entry.matched.has(secret)) return { record: entry.record, from }
  if (await secretMatches(entry.record)) {
    entry.matched.add(secret)
    return { record: entry.record, from }
  }
  // A secret rotated in since the record was cached: ask the feed and read it again, at most once a
  // second per app (a poll that finds the write drops the cached record by itself).
  if (from === 'isolate' && now - entry.readAt >= REREAD_AFTER_MS) {
    claim(entry, now)
    await feed.refresh(env.CREDENTIAL_FEED, REREAD_AFTER_MS)
    if (apps.get(appCode) === entry) apps.delete(appCode)
    return findAppFor(env, appCode, secret, secretMatches)
  }
  return { record: null, from }
}

/** The token's record, or null when KV has none (expiry is the caller's check). */
export async function findToken(env: Env, bkToken: string): Promise<Found<TokenRecord>> {
  const now = Date.now()
  const entry = tokens.get(bkToken)
  if (entry && isFresh(entry, now)) return { record: entry.record, from: 'isolate' }
  if (entry) claim(entry, now)
  const hash = entry?.hash ?? (await tokenHash(bkToken))
  const record = await read(env, tokenKey(hash), parseToken)
  tokens.set(bkToken, { record, hash, readAt: now, expires: expiry(env, now) })
  return { record, from: 'kv' }
}
