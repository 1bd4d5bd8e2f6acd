/**
 * Reads app and token records from KV through a short per-isolate cache, so the hot path rarely
 * waits on KV. A change made in KV (a disabled app, a revoked token) therefore reaches an isolate
 * after at most AUTH_CACHE_TTL_MS (AUTH_NEGATIVE_CACHE_TTL_MS for a record that was absent), on
 * top of KV's own propagation (up to about 60 s between locations).
 */
import type { GatewayEnv } from '../env.ts'
import { GatewayError } from '../errors.ts'
import { type AppRecord, type TokenRecord, appKey, appRecordSchema, tokenKey, tokenRecordSchema } from './records.ts'
import { tokenHash } from './hash.ts'
import type { z } from 'zod'

const DEFAULT_TTL_MS = 30_000
const DEFAULT_NEGATIVE_TTL_MS = 2_000
const MAX_ENTRIES = 5_000

interface Entry {
  value: unknown
  expires: number
}

const cache = new Map<string, Entry>()

function remember(key: string, value: unknown, ttlMs: number) {
  if (ttlMs <= 0) return
  // Bounded memory: when full, drop the oldest insertions (Map keeps insertion order).
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string)
  cache.set(key, { value, expires: Date.now() + ttlMs })
}

async function load<S extends z.ZodType>(env: GatewayEnv, key: string, schema: S): Promise<z.output<S> | null> {
  const hit = cache.get(key)
  if (hit && hit.expires > Date.now()) return hit.value as z.output<S> | null

  let raw: unknown
  try {
    raw = await env.CREDENTIALS.get(key, 'json')
  } catch {
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'credential store unavailable' })
  }
  let record: z.output<S> | null = null
  if (raw !== null) {
    const parsed = schema.safeParse(raw)
    if (!parsed.success) throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: `invalid credential record ${key.split(':')[0]}` })
    record = parsed.data
  }
  const ttl = record
    ? Number(env.AUTH_CACHE_TTL_MS ?? DEFAULT_TTL_MS)
    : Number(env.AUTH_NEGATIVE_CACHE_TTL_MS ?? DEFAULT_NEGATIVE_TTL_MS)
  remember(key, record, ttl)
  return record
}

export const findApp = (env: GatewayEnv, bkAppCode: string): Promise<AppRecord | null> =>
  load(env, appKey(bkAppCode), appRecordSchema)

export const findToken = async (env: GatewayEnv, bkToken: string): Promise<TokenRecord | null> =>
  load(env, tokenKey(await tokenHash(bkToken)), tokenRecordSchema)
