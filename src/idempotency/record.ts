/**
 * The Idempotency-Keys of one app, spread by key over a few objects (./client.ts): each object is the
 * single point of truth for its keys. Each method decides synchronously on the object's SQLite
 * storage, so under any concurrency, from any edge, exactly one call claims a key; and its write is
 * confirmed before the answer leaves (the output gate), so a claim the object answered survives any
 * restart.
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
  key: string
  fingerprint: string
  /** Names the claiming call: only it may complete or release the claim. */
  token: string
  /** How long the claiming call may take to report its outcome before it is presumed lost. */
  inFlightMs: number
  /** How long the record is kept once the outcome is known (or presumed lost). */
  ttlMs: number
}

/**
 * Every method takes the caller's time `at`, as the limiter does: the gateway leaves it out (the
 * object's own clock), tests pass a clock of their own and never wait on the wall clock.
 */
type At = number | undefined

export type ClaimResult =
  /** This call holds the key: it runs, then completes or releases the claim. */
  | { status: 'claimed' }
  | { status: 'replay'; outcome: StoredOutcome }
  | { status: 'in-flight' }
  /** Claimed, never completed, past its bound: it may or may not have reached the origin. */
  | { status: 'lost' }
  /** The key was first used for another request. */
  | { status: 'reused' }

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    token TEXT NOT NULL,
    ttl_ms INTEGER NOT NULL,
    in_flight_until INTEGER NOT NULL,
    outcome TEXT, -- the StoredOutcome as JSON, once known
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS keys_by_expiry ON keys (expires_at);
`

interface Row extends Record<string, SqlStorageValue> {
  key: string
  fingerprint: string
  token: string
  ttl_ms: number
  in_flight_until: number
  outcome: string | null
  expires_at: number
}

/**
 * How often expired records are swept at most. Until then they are only ignored (see #live), so a
 * steady stream of expiries costs one alarm a minute, not one each.
 */
const SWEEP_INTERVAL_MS = 60_000

export class IdempotencyKeys extends DurableObject {
  readonly #sql: SqlStorage
  #lastNow = 0
  /** When the alarm is set (null: none), once read: only this object sets it. */
  #alarmAt: number | null | undefined

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#sql.exec(SCHEMA)
  }

  async claim({ key, fingerprint, token, inFlightMs, ttlMs }: Claim, at?: At): Promise<ClaimResult> {
    const now = this.#clock(at)
    const row = this.#live(key, now)
    if (!row) {
      const inFlightUntil = now + inFlightMs
      const expiresAt = inFlightUntil + ttlMs
      this.#sql.exec(
        `INSERT OR REPLACE INTO keys (key, fingerprint, token, ttl_ms, in_flight_until, outcome, expires_at)
         VALUES (?, ?, ?, ?, ?, NULL, ?)`,
        key, fingerprint, token, ttlMs, inFlightUntil, expiresAt,
      )
      await this.#sweepBy(expiresAt)
      return { status: 'claimed' }
    }
    if (row.fingerprint !== fingerprint) return { status: 'reused' }
    if (row.outcome !== null) return { status: 'replay', outcome: JSON.parse(row.outcome) as StoredOutcome }
    return now < row.in_flight_until ? { status: 'in-flight' } : { status: 'lost' }
  }

  /**
   * Stores the claiming call's outcome, kept for the TTL from now. A call presumed lost that reports
   * after all still records what really happened. False when the claim is no longer this call's.
   */
  async complete(key: string, token: string, outcome: StoredOutcome, at?: At): Promise<boolean> {
    const now = this.#clock(at)
    const row = this.#live(key, now)
    if (row?.token !== token || row.outcome !== null) return false
    const expiresAt = now + row.ttl_ms
    this.#sql.exec('UPDATE keys SET outcome = ?, expires_at = ? WHERE key = ?', JSON.stringify(outcome), expiresAt, key)
    await this.#sweepBy(expiresAt)
    return true
  }

  /** Frees the key of a call that ended before reaching the origin, so a corrected retry can run. */
  release(key: string, token: string, at?: At): void {
    const row = this.#live(key, this.#clock(at))
    if (row?.token === token && row.outcome === null) this.#sql.exec('DELETE FROM keys WHERE key = ?', key)
  }

  /** Sweeps the expired records, and comes back for the next ones. */
  override async alarm(): Promise<void> {
    const now = this.#clock(undefined)
    this.#sql.exec('DELETE FROM keys WHERE expires_at <= ?', now)
    const { next } = this.#sql.exec<{ next: number | null }>('SELECT MIN(expires_at) AS next FROM keys').one()
    this.#alarmAt = next === null ? null : Math.max(next, now + SWEEP_INTERVAL_MS)
    if (this.#alarmAt !== null) await this.ctx.storage.setAlarm(this.#alarmAt)
  }

  /** Never goes backwards, so a clock step cannot bring an expired record back. */
  #clock(at: At): number {
    this.#lastNow = Math.max(at ?? Date.now(), this.#lastNow)
    return this.#lastNow
  }

  /** The key's record, unless there is none or it has expired (the sweep may not have run yet). */
  #live(key: string, now: number): Row | undefined {
    return this.#sql.exec<Row>('SELECT * FROM keys WHERE key = ? AND expires_at > ?', key, now).toArray()[0]
  }

  /** Keeps an alarm set no later than `expiresAt`. */
  async #sweepBy(expiresAt: number): Promise<void> {
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm()
    if (this.#alarmAt !== null && this.#alarmAt <= expiresAt) return
    this.#alarmAt = expiresAt
    await this.ctx.storage.setAlarm(expiresAt)
  }
}
