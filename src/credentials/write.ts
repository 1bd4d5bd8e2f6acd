/**
 * Writes a credential record where every isolate will see it: KV first (the record's home), then every
 * replica of the credential feed, so a revocation reaches all isolates within REVOCATION_BOUND_MS
 * instead of KV's minute. A write the feed did not take is reported, so the operator can repeat it.
 */
import * as z from 'zod'
import { GatewayError } from '../lib/errors.ts'
import { FEED_REPLICAS, replicaName } from './feed.ts'
import { APP_CODE_MAX } from './records.ts'
import { catchUpWithFeed } from './store.ts'

/** `app:<code>` or `token:<sha256 of the token>`: the only keys the store holds. */
export const credentialKeySchema = z
  .string()
  .regex(new RegExp(`^(?:app:[A-Za-z0-9_.-]{1,${APP_CODE_MAX}}|token:[0-9a-f]{64})$`), 'must be app:<bk_app_code> or token:<sha256 hex>')

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
