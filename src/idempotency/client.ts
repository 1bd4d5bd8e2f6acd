/** The Worker's side of the store: which object holds a key, and each call to it within a deadline. */
import { withDeadline } from '../deadline.ts'
import type { Claim, ClaimResult, IdempotencyRecord, StoredOutcome } from './record.ts'

/** The object did not answer, or not in time: a call with a key never runs without its guarantee. */
export class StoreUnavailable extends Error {}

/** An app code never contains `/` (credentials/records.ts), so the name is one-to-one with (app, key). */
export const recordName = (app: string, key: string) => `${app}/${key}`

export interface KeyRecord {
  claim(claim: Claim): Promise<ClaimResult>
  complete(token: string, outcome: StoredOutcome): Promise<boolean>
  release(token: string): Promise<void>
}

export function keyRecord(namespace: DurableObjectNamespace<IdempotencyRecord>, app: string, key: string, timeoutMs: number): KeyRecord {
  const stub = namespace.getByName(recordName(app, key))
  const ask = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(call(), timeoutMs, () => new StoreUnavailable(`${what}: no answer within ${timeoutMs} ms`))
    } catch (error) {
      if (error instanceof StoreUnavailable) throw error
      throw new StoreUnavailable(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
  }
  return {
    claim: (claim) => ask<ClaimResult>('claim', () => stub.claim(claim)),
    complete: (token, outcome) => ask<boolean>('complete', () => stub.complete(token, outcome)),
    release: (token) => ask<void>('release', () => stub.release(token)),
  }
}
