/** The Worker's side of the store: which object holds a key, and each call to it within a deadline. */
import { sha256Hex } from '../credentials/hash.ts'
import { withDeadline } from '../lib/deadline.ts'
import type { Claim, ClaimResult, IdempotencyKeys, StoredOutcome } from './record.ts'

/**
 * Objects per app, each holding the keys whose digest falls to it: warm objects shared by many keys
 * (a new key costs no object creation), and an app's keyed calls spread over several. A constant, not
 * a setting: changing it moves keys to other objects, where a retry would run again.
 */
const SHARDS = 16

/** The object did not answer, or not in time: a call with a key never runs without its guarantee. */
export class StoreUnavailable extends Error {}

/** An app code never contains `/` (credentials/records.ts), so the name is one-to-one with (app, shard). */
async function shardName(app: string, key: string): Promise<string> {
  const shard = Number.parseInt((await sha256Hex(key)).slice(0, 8), 16) % SHARDS
  return `${app}/${shard}`
}

/** One key's record, as the Worker sees it. */
export interface KeyRecord {
  claim(claim: Omit<Claim, 'key'>): Promise<ClaimResult>
  complete(token: string, outcome: StoredOutcome): Promise<boolean>
  release(token: string): Promise<void>
}

export async function keyRecord(
  namespace: DurableObjectNamespace<IdempotencyKeys>,
  app: string,
  key: string,
  timeoutMs: number,
): Promise<KeyRecord> {
  const stub = namespace.getByName(await shardName(app, key))
  const ask = <T>(what: string, call: () => Promise<T>): Promise<T> =>
    withDeadline(call, timeoutMs, (reason, cause) => new StoreUnavailable(`${what}: ${reason}`, { cause }))
  return {
    claim: (claim) => ask<ClaimResult>('claim', () => stub.claim({ ...claim, key })),
    complete: (token, outcome) => ask<boolean>('complete', () => stub.complete(key, token, outcome)),
    release: (token) => ask<void>('release', () => stub.release(key, token)),
  }
}
