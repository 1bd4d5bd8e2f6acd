/**
 * The credential feed: a strongly consistent log of recent writes to the credential records (an app
 * disabled, a secret rotated or retired, a grant narrowed, a token revoked). Workers KV takes up to a
 * minute to show a write everywhere; every isolate reads this log every few seconds instead, and lays
 * what it finds over KV until KV has surely caught up (see ./feed.ts, docs/operating.md).
 *
 * Several identical replicas share the read load; the admin endpoint writes every one.
 */
import { DurableObject } from 'cloudflare:workers'

/** Longer than KV takes to show a write everywhere (about 60 s), with a wide margin. */
export const RETENTION_MS = 10 * 60_000

/** One write: the KV key (`app:…`, `token:…`) and the record as stored there, or null when deleted. */
export interface CredentialChange {
  key: string
  record: string | null
}

export interface FeedPage {
  /** The newest sequence number; pass it back to read only what comes after. */
  seq: number
  changes: CredentialChange[]
  /** False when changes after the given `seq` have already been pruned: the reader missed some. */
  complete: boolean
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, record TEXT, at INTEGER NOT NULL)`

type Row = { seq: number; key: string; record: string | null }

export class CredentialFeed extends DurableObject {
  readonly #sql: SqlStorage

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never)
    this.#sql = ctx.storage.sql
    this.#sql.exec(SCHEMA)
  }

  /** Appends the writes and returns the newest sequence number; durable before it answers. */
  async append(changes: CredentialChange[]): Promise<number> {
    const at = Date.now()
    for (const { key, record } of changes) this.#sql.exec('INSERT INTO changes (key, record, at) VALUES (?, ?, ?)', key, record, at)
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(at + RETENTION_MS)
    return this.#newest()
  }

  /** What was written after `seq` (everything retained for a new reader, which has nothing to correct). */
  since(seq: number | null): FeedPage {
    const newest = this.#newest()
    const rows = this.#sql.exec<Row>('SELECT seq, key, record FROM changes WHERE seq > ? ORDER BY seq', seq ?? 0).toArray()
    const changes = rows.map(({ key, record }) => ({ key, record }))
    // Nothing was pruned after `seq` exactly when the first change kept is the very next one.
    const complete = seq === null || (rows[0]?.seq ?? newest + 1) === seq + 1
    return { seq: newest, changes, complete }
  }

  /** Forgets what KV has surely shown everywhere by now. */
  override async alarm(): Promise<void> {
    this.#sql.exec('DELETE FROM changes WHERE at <= ?', Date.now() - RETENTION_MS)
    const next = this.#sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM changes').one().at
    if (next !== null) await this.ctx.storage.setAlarm(next + RETENTION_MS)
  }

  #newest(): number {
    // AUTOINCREMENT keeps counting past deleted rows, so the newest seq survives pruning.
    const row = this.#sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").toArray()[0]
    return row?.seq ?? 0
  }
}
