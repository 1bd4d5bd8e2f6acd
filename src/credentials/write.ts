/**
 * Writes a credential record where every isolate will see it: KV first (the record's home), then every
 * replica of the credential feed, so a revocation reaches all isolates within REVOCATION_BOUND_MS
 * instead of KV's minute. A write the feed did not take is reported, so the operator can repeat it.
 */
import { GatewayError, toProblems } from '../lib/errors.ts'
import { FEED_REPLICAS, replicaName } from './feed.ts'
import { APP_CODE_MAX, appRecordSchema, tokenRecordSchema } from './records.ts'
import { catchUpWithFeed } from './store.ts'

/** `app:<code>` or `token:<sha256 of the token>`: the only keys the store holds. */
const KEY = new RegExp(`^(?:app:([A-Za-z0-9_.-]{1,${APP_CODE_MAX}})|token:[0-9a-f]{64})$`)

export const isCredentialKey = (key: string) => KEY.test(key)

/** The record checked with the schema the gateway reads it with; a reason when it does not fit. */
export function checkRecord(key: string, record: unknown): string | undefined {
  const app = KEY.exec(key)?.[1]
  const parsed = (app !== undefined ? appRecordSchema : tokenRecordSchema).safeParse(record)
  if (!parsed.success) return toProblems(parsed.error.issues, 'record').map((p) => `${p.path}: ${p.message}`).join('; ')
  if (app !== undefined && (parsed.data as { bk_app_code: string }).bk_app_code !== app) return 'bk_app_code must match the key'
  return undefined
}

/** Puts (a JSON text) or deletes (null) the record under `key`, in KV and in the feed. */
export async function writeCredential(env: Env, key: string, record: string | null): Promise<void> {
  try {
    await (record === null ? env.CREDENTIALS.delete(key) : env.CREDENTIALS.put(key, record))
  } catch {
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'credential store unavailable, nothing was written' })
  }
  const feed = env.CREDENTIAL_FEED
  if (!feed) return
  try {
    await Promise.all(Array.from({ length: FEED_REPLICAS }, (_, r) => feed.getByName(replicaName(r)).append([{ key, record }])))
  } catch {
    throw new GatewayError('INTERNAL_SERVER_ERROR', {
      reason: 'written to KV, but the credential feed did not take it: repeat the write, or isolates may wait for KV (about a minute)',
    })
  }
  await catchUpWithFeed(env)
}
