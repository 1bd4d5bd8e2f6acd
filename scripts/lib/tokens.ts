/** bk_token records: stored under the token's SHA-256 only, as the gateway looks them up. */
import { tokenKey, tokenRecordSchema } from '../../src/credentials/records.ts'
import type { TokenRecord } from '../../src/credentials/records.ts'
import { tokenHash } from '../../src/credentials/hash.ts'
import { UserError } from './errors.ts'
import { parseStored } from './store.ts'
import type { KvStore } from './store.ts'

/** The gateway reads bk_token from a header, body or cookie; a sane bound keeps KV keys and logs small. */
const TOKEN_MAX = 1024

export async function addToken(kv: KvStore, bkToken: string, username: string, ttlMs: number): Promise<TokenRecord> {
  if (!bkToken) throw new UserError('bk_token cannot be empty')
  if (bkToken.length > TOKEN_MAX) throw new UserError(`bk_token cannot be longer than ${TOKEN_MAX} characters`)
  const parsed = tokenRecordSchema.safeParse({
    version: 1,
    username,
    expires_at: Date.now() + ttlMs,
    created_at: new Date().toISOString(),
  })
  if (!parsed.success) throw new UserError(`username must be 1 to 128 characters`)
  await kv.put(tokenKey(await tokenHash(bkToken)), JSON.stringify(parsed.data))
  return parsed.data
}

export async function loadToken(kv: KvStore, bkToken: string): Promise<TokenRecord | null> {
  const raw = await kv.get(tokenKey(await tokenHash(bkToken)))
  if (raw === null) return null
  return parseStored(tokenRecordSchema, raw, 'token record')
}

/** Deletes the token; returns what it was. */
export async function revokeToken(kv: KvStore, bkToken: string): Promise<TokenRecord> {
  const token = await loadToken(kv, bkToken)
  if (!token) throw new UserError('no such bk_token')
  await kv.delete(tokenKey(await tokenHash(bkToken)))
  return token
}
