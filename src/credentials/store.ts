/**
 * App and token records, read from KV through a per-isolate cache so the hot path rarely waits on KV.
 *
 * A record stays cached for AUTH_CACHE_TTL_MS. Two rules keep that cache from refusing what KV already
 * accepts: an absent record is read again after at most a second, and so is a cached app record that a
 * presented secret does not match (a freshly rotated secret), at most once a second per app, so that a
 * flood of wrong secrets costs one KV read a second rather than one per request.
 *
 * Refusals are cheap: an absent record is itself cached (apart, so unknown app codes never evict a known
 * app), and a client may have KV look up only a few apps the isolate does not hold (./lookup-budget.ts),
 * so a flood of random app codes costs a bounded number of KV reads.
 *
 * And two keep it from accepting what was revoked: the credential feed (./feed.ts) drops a cached
 * record as soon as the isolate learns it was written, within REVOCATION_BOUND_MS, and lays the new
 * record over KV until KV shows it everywhere.
 */
import { BoundedCache, ENTRY_OVERHEAD_BYTES, stringBytes } from '../lib/bounded-cache.ts'
import { GatewayError } from '../lib/errors.ts'
import { intUpTo, perEnv, varOr } from '../lib/vars.ts'
import { type Background, FeedView } from './feed.ts'
import { sha256Hex, tokenHash } from './hash.ts'
import { beginLookup, endLookup } from './lookup-budget.ts'
import { type AppRecord, type TokenRecord, appKey, appRecordSchema, tokenKey, tokenRecordSchema } from './records.ts'

const DEFAULT_TTL_MS = 30_000
/** A day: revocations reach every isolate within 10 s through the feed whatever the TTL (docs/operating.md). */
const MAX_TTL_MS = 86_400_000
/** How soon an absent or mismatched record may be read from KV again. */
export const REREAD_AFTER_MS = 1_000

/** Who answered a check: the isolate's memory, or KV. */
export type Source = 'isolate' | 'kv'

interface Entry<T> {
  record: T
  readAt: number
  expires: number
  /** Tells this entry from any other of the same key, for the sets verified against it (`recall`). */
  serial: number
}

let serials = 0
const entryOf = <T>(record: T, now: number, expires: number): Entry<T> => ({ record, readAt: now, expires, serial: ++serials })

/** An entry's size: its key (a digest) and its record, as JSON. */
const entryBytes = (key: string, entry: Entry<unknown>) => stringBytes(key) + stringBytes(JSON.stringify(entry.record)) + ENTRY_OVERHEAD_BYTES
/** An app entry also gathers the digests of the secrets that matched: at most one per stored secret. */
const appEntryBytes = (key: string, entry: Entry<AppRecord>) => entryBytes(key, entry) + entry.record.secrets.length * stringBytes(key)

/**
 * Every cache is keyed by a digest, never by what the caller sent, and bounded in bytes. Apps that do
 * not exist have a cache of their own, so a flood of unknown codes never evicts a known app.
 */
export const CACHE_MAX_BYTES = { apps: 4 * 1024 * 1024, tokens: 2 * 1024 * 1024, absent: 512 * 1024, verified: 2 * 1024 * 1024, accessTokens: 2 * 1024 * 1024 }

/** App records by the SHA-256 of the app code, each with the digests of the secrets seen to match it. */
const apps = new BoundedCache<Entry<AppRecord> & { matched: Set<string> }>(CACHE_MAX_BYTES.apps, appEntryBytes)
/** Token records by the token's SHA-256 (its KV key). */
const tokens = new BoundedCache<Entry<TokenRecord>>(CACHE_MAX_BYTES.tokens, entryBytes)
/** When each absent record was last read, by `app:<digest>` or `token:<digest>`. */
const absent = new BoundedCache<number>(CACHE_MAX_BYTES.absent, (key) => stringBytes(key) + ENTRY_OVERHEAD_BYTES)

/** Where a verified credential set's records are cached: a key and the serial of the entry it had. */
export interface CachedAt {
  key: string
  serial: number
}

interface VerifiedSet {
  app: CachedAt
  /** Null for a bare bk_username. */
  token: CachedAt | null
}

const DIGEST_BYTES = stringBytes('0'.repeat(64))

/**
 * Credential sets verified before, by one HMAC of the whole set (./hash.ts): a call that presents the
 * same credentials again costs that one digest, not one per credential. An entry only names the app and
 * token entries the set was verified against, and holds only while those are still the entries cached
 * and fresh: whatever drops or replaces them (a revocation through the feed, a reread, the TTL) ends it.
 */
const verified = new BoundedCache<VerifiedSet>(CACHE_MAX_BYTES.verified, () => 3 * DIGEST_BYTES + ENTRY_OVERHEAD_BYTES)

/** The bytes each credential cache holds, by the estimate that bounds it. */
export const cachedBytes = () => ({ apps: apps.bytes, tokens: tokens.bytes, absent: absent.bytes, verified: verified.bytes })

/** The entry cached at `at`, if it is still that one and fresh. */
function current<E extends Entry<unknown>>(cache: BoundedCache<E>, at: CachedAt, now: number): E | undefined {
  const entry = cache.get(at.key)
  return entry?.serial === at.serial && entry.expires > now ? entry : undefined
}

/** The records a credential set was verified against, while they are still cached and fresh; the token's only while unexpired. */
export function recall(setHash: string): { app: AppRecord; token: TokenRecord | null } | undefined {
  const set = verified.get(setHash)
  if (!set) return undefined
  const now = Date.now()
  const app = current(apps, set.app, now)
  if (!app) return undefined
  if (set.token === null) return { app: app.record, token: null }
  const token = current(tokens, set.token, now)
  return token && token.record.expires_at > now ? { app: app.record, token: token.record } : undefined
}

/** Remembers a credential set that passed the checks against these cached entries. */
export const remember = (setHash: string, set: VerifiedSet) => verified.set(setHash, set)

/**
 * Drops what the isolate holds of a record the feed says was written (of every record, for null). A
 * written record may be one the isolate holds as absent: those are all dropped, they are cheap to re-read.
 */
function forget(key: string | null): void {
  absent.clear()
  if (key === null) {
    apps.clear()
    tokens.clear()
  } else if (key.startsWith('app:')) {
    const code = key.slice('app:'.length)
    apps.deleteWhere((entry) => entry.record.bk_app_code === code)
  } else {
    tokens.delete(key.slice('token:'.length))
  }
}

const listeners: Array<(key: string | null) => void> = []
const feed = new FeedView((key) => {
  forget(key)
  for (const listener of listeners) listener(key)
})

/** Lets another cache of credentials (access tokens) hear what the feed reports written. */
export const onCredentialChange = (listener: (key: string | null) => void) => void listeners.push(listener)

/** The feed's record for a key written recently (null when deleted), which KV may not show yet. */
export const recentlyWritten = (key: string) => feed.overlaid(key)

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
/** AUTH_CACHE_TTL_MS, read once per env like every var (0: no caching, as some tests run): a bad value is a 500 naming it. */
export const cacheTtlMs = perEnv((env) => intUpTo('AUTH_CACHE_TTL_MS', varOr(env, 'AUTH_CACHE_TTL_MS', String(DEFAULT_TTL_MS)), MAX_TTL_MS))

const expiry = (env: Env, now: number) => now + cacheTtlMs(env)

/**
 * Marks an entry as being read again, before any await: requests arriving meanwhile answer from it for
 * up to a second instead of all reading KV at once (they may not await the read this one started).
 */
function claim(entry: Entry<unknown>, now: number): void {
  entry.readAt = now
  entry.expires = Math.max(entry.expires, now + REREAD_AFTER_MS)
}

/** Whether a record was found absent less than a second ago. */
function knownAbsent(key: string, now: number): boolean {
  const readAt = absent.get(key)
  return readAt !== undefined && now - readAt < REREAD_AFTER_MS
}

/** A record found, with where it is cached; or none. */
export type Found<T> = { record: T; from: Source; cachedAt: CachedAt } | { record: null; from: Source }

/** The app's record, for a caller that proved the app otherwise (an access token of its client). */
export async function findApp(env: Env, appCode: string): Promise<Found<AppRecord>> {
  const now = Date.now()
  const id = await sha256Hex(appCode)
  const entry = apps.get(id)
  if (entry && entry.expires > now) return { record: entry.record, from: 'isolate', cachedAt: { key: id, serial: entry.serial } }
  const record = await read(env, appKey(appCode), parseApp)
  if (!record) {
    apps.delete(id)
    return { record, from: 'kv' }
  }
  const fresh = { ...entryOf(record, now, expiry(env, now)), matched: new Set<string>() }
  apps.set(id, fresh)
  return { record, from: 'kv', cachedAt: { key: id, serial: fresh.serial } }
}

/**
 * The app whose record one of its secret hashes matches, or null: an unknown app and a wrong secret
 * are the same answer. `secretMatches` compares; it runs only for a secret hash not already matched.
 * `client` (e.g. the caller's address) pays for the lookups of apps the isolate does not hold.
 */
export async function findAppFor(
  env: Env,
  { appCode, secretHash, client }: { appCode: string; secretHash: string; client: string },
  secretMatches: (record: AppRecord) => Promise<boolean>,
): Promise<Found<AppRecord>> {
  const now = Date.now()
  const id = await sha256Hex(appCode)
  let entry = apps.get(id)
  let from: Source = 'isolate'
  if (!entry || entry.expires <= now) {
    if (knownAbsent(`app:${id}`, now)) return { record: null, from }
    const record = entry ? await reread(env, appCode, entry, now) : await lookUp(env, appCode, id, await sha256Hex(client), now)
    if (record === undefined) return { record: null, from }
    from = 'kv'
    if (!record) {
      apps.delete(id)
      absent.set(`app:${id}`, now)
      return { record: null, from }
    }
    entry = { ...entryOf(record, now, expiry(env, now)), matched: new Set() }
    apps.set(id, entry)
  }
  const cachedAt = { key: id, serial: entry.serial }
  if (entry.matched.has(secretHash)) return { record: entry.record, from, cachedAt }
  if (await secretMatches(entry.record)) {
    entry.matched.add(secretHash)
    return { record: entry.record, from, cachedAt }
  }
  // A secret rotated in since the record was cached: ask the feed and read it again, at most once a
  // second per app (a poll that finds the write drops the cached record by itself).
  if (from === 'isolate' && now - entry.readAt >= REREAD_AFTER_MS) {
    claim(entry, now)
    await feed.refresh(env.CREDENTIAL_FEED, REREAD_AFTER_MS)
    if (apps.get(id) === entry) apps.delete(id)
    return findAppFor(env, { appCode, secretHash, client }, secretMatches)
  }
  return { record: null, from }
}

/** A cached app's record read again, the entry answering meanwhile. */
function reread(env: Env, appCode: string, entry: Entry<AppRecord>, now: number) {
  claim(entry, now)
  return read(env, appKey(appCode), parseApp)
}

/** An app the isolate does not hold, read if the client's lookup budget allows; undefined if not. */
async function lookUp(env: Env, appCode: string, id: string, client: string, now: number): Promise<AppRecord | null | undefined> {
  if (!beginLookup(client, id, now)) return undefined
  let record: AppRecord | null = null
  try {
    record = await read(env, appKey(appCode), parseApp)
  } finally {
    endLookup(client, id, record !== null)
  }
  return record
}

/** The token's record, or null when KV has none (expiry is the caller's check). */
export async function findToken(env: Env, bkToken: string): Promise<Found<TokenRecord>> {
  const now = Date.now()
  const hash = await tokenHash(bkToken)
  const entry = tokens.get(hash)
  if (entry && entry.expires > now) return { record: entry.record, from: 'isolate', cachedAt: { key: hash, serial: entry.serial } }
  if (knownAbsent(`token:${hash}`, now)) return { record: null, from: 'isolate' }
  if (entry) claim(entry, now)
  const record = await read(env, tokenKey(hash), parseToken)
  if (!record) {
    tokens.delete(hash)
    absent.set(`token:${hash}`, now)
    return { record: null, from: 'kv' }
  }
  const fresh = entryOf(record, now, expiry(env, now))
  tokens.set(hash, fresh)
  return { record, from: 'kv', cachedAt: { key: hash, serial: fresh.serial } }
}
