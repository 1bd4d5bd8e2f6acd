/**
 * One Durable Object per (app, Idempotency-Key): the single point of truth for that key, so no key is
 * ever a hotspot for another and a call without a key never reaches one. Each method decides
 * synchronously on the object's SQLite storage, so under any concurrency, from any edge, exactly one
 * call claims a key; and its write is confirmed before the answer leaves (the output gate), so a claim
 * the object answered is never forgotten by a restart.
 *
 * A claimed call that never reports its outcome (its worker died between calling the origin and
 * storing the answer) is presumed lost once its bound has passed: the key then answers "outcome
 * unknown" until it expires, never "run it again".
 */
import { DurableObject } from 'cloudflare:workers'

/** The first call's answer, as a replay gives it back. */
export interface StoredOutcome {
  status: number
  /** The headers a caller needs again (e.g. Sops-Trace-Id); never per-call ones. */
  headers: Record<string, string>
  /** The envelope as first answered; a replay gives it the replaying call's request_id. */
  envelope: Record<string, unknown>
}

export interface Claim {
  fingerprint: string
  /** Names the claiming call: only it may complete or release the claim. */
  token: string
  /** How long the claiming call may take to report its outcome before it is presumed lost. */
  inFlightMs: number
  /** How long the record is kept once the outcome is known (or presumed lost). */
  ttlMs: number
}

export type ClaimResult =
  /** This call holds the key: it runs, then completes or releases the claim. */
  | { status: 'claimed' }
  | { status: 'replay'; outcome: StoredOutcome }
  | { status: 'in-flight' }
  /** Claimed, never completed, past its bound: it may or may not have reached the origin. */
  | { status: 'lost' }
  /** The key was first used for another request. */
  | { status: 'reused' }

interface KeyRecord {
  fingerprint: string
  token: string
  ttlMs: number
  inFlightUntil: number
  outcome?: StoredOutcome
  expiresAt: number
}

const RECORD = 'record'

export class IdempotencyRecord extends DurableObject {
  async claim({ fingerprint, token, inFlightMs, ttlMs }: Claim): Promise<ClaimResult> {
    const now = Date.now()
    const record = this.#live(now)
    if (!record) {
      const inFlightUntil = now + inFlightMs
      await this.#write({ fingerprint, token, ttlMs, inFlightUntil, expiresAt: inFlightUntil + ttlMs })
      return { status: 'claimed' }
    }
    if (record.fingerprint !== fingerprint) return { status: 'reused' }
    if (record.outcome) return { status: 'replay', outcome: record.outcome }
    return now < record.inFlightUntil ? { status: 'in-flight' } : { status: 'lost' }
  }

  /**
   * Stores the claiming call's outcome, kept for the TTL from now. A call presumed lost that reports
   * after all still records what really happened. False when the claim is no longer this call's.
   */
  async complete(token: string, outcome: StoredOutcome): Promise<boolean> {
    const now = Date.now()
    const record = this.#live(now)
    if (record?.token !== token || record.outcome) return false
    await this.#write({ ...record, outcome, expiresAt: now + record.ttlMs })
    return true
  }

  /** Frees the key of a call that ended before reaching the origin, so a corrected retry can run. */
  release(token: string): void {
    const record = this.#live(Date.now())
    // Its alarm stays set, and finds nothing to keep.
    if (record?.token === token && !record.outcome) this.ctx.storage.kv.delete(RECORD)
  }

  /**
   * Set at the record's expiry: an expired record leaves nothing behind. Every step is issued before
   * the first await, so no claim can slip in between the check and the erasure.
   */
  override async alarm(): Promise<void> {
    const record = this.#live(Date.now())
    if (record) await this.ctx.storage.setAlarm(record.expiresAt)
    else await this.ctx.storage.deleteAll()
  }

  /** The record, unless there is none or it has expired (its alarm may not have run yet). */
  #live(now: number): KeyRecord | undefined {
    const record = this.ctx.storage.kv.get<KeyRecord>(RECORD)
    return record && record.expiresAt > now ? record : undefined
  }

  async #write(record: KeyRecord): Promise<void> {
    this.ctx.storage.kv.put(RECORD, record)
    await this.ctx.storage.setAlarm(record.expiresAt)
  }
}
