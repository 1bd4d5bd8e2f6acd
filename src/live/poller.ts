/**
 * TaskPoller: one identity's view of one task (./target.ts). While it has watchers it polls SOPS's
 * get_task_status — at most one call per interval, however many watch — and pushes each change to
 * every watcher's stream; with none it stops. It also answers that identity's status reads, so
 * identical reads within the coalescing window reach SOPS once, and forgets them on a write.
 *
 * Time: an alarm's scheduled time counts as now. An alarm never runs early in production, and tests
 * run alarms early (runDurableObjectAlarm) to move the poller's time on without waiting.
 */
import { DurableObject } from 'cloudflare:workers'
import { sha256Hex } from '../credentials/hash.ts'
import { originPath } from '../http/resources.ts'
import type { OriginRequest } from '../origin/origin.ts'
import { signIdentity } from '../origin/proxy.ts'
import {
  FINAL_STATES,
  KEEPALIVE_MS,
  MAX_QUEUED_BYTES,
  MAX_REMEMBERED_READS,
  MAX_WATCHERS,
  POLL_MAX_MS,
  POLL_MIN_MS,
  STREAM_LIFETIME_MS,
  coalesceMs,
} from './config.ts'
import { type Fetched, fetchOrigin, statusOf } from './fetched.ts'
import { endEvent, keepalive, statusEvent } from './sse.ts'
import type { Identity, OriginSettings, TaskRef } from './target.ts'
import { statusResource } from './watch-resource.ts'


export interface WatchRequest {
  who: Identity
  task: TaskRef
  exData: boolean
  settings: OriginSettings
  /** The last `id:` the watcher saw (Last-Event-ID), if any. */
  lastEventId: number | null
}

/** `watcher` names the stream for leave(); a stream that ends at once has none. */
export type Opened = { stream: ReadableStream<Uint8Array>; watcher?: string } | { refused: Fetched | 'full' }

interface Watcher {
  id: string
  controller: ReadableStreamDefaultController<Uint8Array>
  closesAt: number
}

/** A read made or being made, shared by identical reads until the window after its answer passes. */
interface Remembered {
  fetched: Promise<Fetched>
  /** When it was answered; undefined while in flight. */
  answeredAt?: number
}

/** The last status seen, and its version (the `id:` of its event); kept, so a resumed stream never repeats it. */
interface Seen {
  version: number
  digest: string
}

export class TaskPoller extends DurableObject<Env> {
  #watch: Omit<WatchRequest, 'lastEventId'> | undefined
  readonly #watchers = new Set<Watcher>()
  readonly #reads = new Map<string, Remembered>()
  #originEnv: { key: string; env: Env } | undefined
  #seen: Seen = { version: 0, digest: '' }
  /** The current status as JSON, and whether it is final; undefined until a poll succeeds. */
  #latest: { text: string; state: string } | undefined
  #interval = POLL_MIN_MS
  #pollAt = Number.POSITIVE_INFINITY
  #keepaliveAt = Number.POSITIVE_INFINITY
  #alarmTime = 0
  /** Polls started and the latest applied: an older poll answering late never overwrites a newer one. */
  #polls = 0
  #applied = 0

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      this.#seen = (await ctx.storage.get<Seen>('seen')) ?? this.#seen
    })
  }

  #now = () => Math.max(Date.now(), this.#alarmTime)

  /** A status read of this identity, shared with identical ones in flight or answered within the window. */
  read(settings: OriginSettings, call: OriginRequest): Promise<Fetched> {
    return this.#fetch(settings, call)
  }

  /** A write through the gateway reached this task: forget what was read, and show watchers the change now. */
  async changed(): Promise<void> {
    this.#reads.clear()
    if (this.#watchers.size === 0) return
    this.#interval = POLL_MIN_MS
    this.#pollAt = this.#now()
    // The write's answer need not wait for the refresh: the streams keep this object alive meanwhile.
    void this.#tick().catch((error: unknown) => console.error('task poller: refresh failed', error))
  }

  async watch(request: WatchRequest): Promise<Opened> {
    const { lastEventId, ...watch } = request
    this.#watch = watch
    if (this.#watchers.size >= MAX_WATCHERS) return { refused: 'full' }
    if (this.#watchers.size === 0 || this.#latest === undefined) {
      // Not polling: the status may be old, so it is read now (coalesced with reads in the window).
      const fetched = await this.#poll()
      if (this.#latest === undefined) return { refused: fetched }
    }
    const latest = this.#latest!
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const watcher: Watcher = { id: crypto.randomUUID(), controller: undefined as never, closesAt: this.#now() + STREAM_LIFETIME_MS }
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => void (controller = c),
        cancel: () => this.#leave(watcher),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    )
    watcher.controller = controller
    if (lastEventId !== this.#seen.version) controller.enqueue(statusEvent(this.#seen.version, latest.text))
    if (FINAL_STATES.has(latest.state)) {
      controller.enqueue(endEvent(latest.state))
      controller.close()
      return { stream }
    }
    this.#watchers.add(watcher)
    if (this.#watchers.size === 1) {
      this.#interval = POLL_MIN_MS
      this.#pollAt = this.#now() + this.#interval
      this.#keepaliveAt = this.#now() + KEEPALIVE_MS
    }
    await this.#schedule()
    return { stream, watcher: watcher.id }
  }

  /**
   * The watcher's client went away. Its Worker says so: a cancel crossing the RPC stream reaches this
   * object only when it next writes to it.
   */
  async leave(id: string): Promise<void> {
    for (const watcher of this.#watchers) if (watcher.id === id) this.#close(watcher)
    if (this.#watchers.size === 0) await this.#schedule()
  }

  override async alarm(): Promise<void> {
    const due = this.#dueAt()
    // Nothing due: the object restarted since (its streams went with it), so there is nothing to do.
    if (!Number.isFinite(due)) return
    this.#alarmTime = due
    await this.#tick()
  }

  /** Does what is due: closes streams past their lifetime, polls, sends keepalives; then sets the next alarm. */
  async #tick(): Promise<void> {
    const now = this.#now()
    for (const watcher of this.#watchers) if (watcher.closesAt <= now) this.#close(watcher)
    if (this.#watchers.size > 0 && this.#pollAt <= now) {
      this.#pollAt = Number.POSITIVE_INFINITY // one poll at a time
      await this.#poll()
      this.#pollAt = this.#now() + this.#interval
    }
    if (this.#watchers.size > 0 && this.#keepaliveAt <= now) {
      this.#broadcast(keepalive())
      this.#keepaliveAt = now + KEEPALIVE_MS
    }
    await this.#schedule()
  }

  #dueAt(): number {
    let due = Math.min(this.#pollAt, this.#keepaliveAt)
    for (const watcher of this.#watchers) due = Math.min(due, watcher.closesAt)
    return due
  }

  async #schedule(): Promise<void> {
    if (this.#watchers.size === 0) {
      this.#pollAt = this.#keepaliveAt = Number.POSITIVE_INFINITY
      await this.ctx.storage.deleteAlarm()
      return
    }
    await this.ctx.storage.setAlarm(this.#dueAt())
  }

  async #poll(): Promise<Fetched> {
    const watch = this.#watch!
    const poll = ++this.#polls
    const fetched = await this.#fetch(watch.settings, await this.#pollCall(watch))
    const status = statusOf(fetched)
    const text = status === undefined ? undefined : JSON.stringify(status)
    const digest = text === undefined ? undefined : await sha256Hex(text)
    // From here to the change's version, nothing awaits: two polls answering together cannot both count it.
    if (poll <= this.#applied) return fetched
    this.#applied = poll
    if (text === undefined || digest === undefined) this.#slowDown()
    else await this.#apply(text, String((status as { state?: unknown } | null)?.state ?? ''), digest)
    return fetched
  }

  async #pollCall({ who, task, exData }: Omit<WatchRequest, 'lastEventId'>): Promise<OriginRequest> {
    const requestId = crypto.randomUUID()
    return {
      method: 'GET',
      path: originPath(statusResource, { ...task }),
      answerFields: [],
      fields: { scope: task.scope, ...(exData ? { with_ex_data: 'true' } : {}) },
      headers: {
        'X-Bkapi-Jwt': await signIdentity(this.env, { ...who, appVerified: true }),
        'X-Bkapi-Request-ID': requestId,
        'X-Request-ID': requestId.replaceAll('-', ''),
        'X-Bk-Tenant-Id': 'default',
      },
    }
  }

  #slowDown(): void {
    this.#interval = Math.min(this.#interval * 2, POLL_MAX_MS)
  }

  /** A new status gets the next version and goes to every watcher; an unchanged one slows polling down. */
  async #apply(text: string, state: string, digest: string): Promise<void> {
    this.#latest = { text, state }
    if (digest === this.#seen.digest) return this.#slowDown()
    this.#seen = { version: this.#seen.version + 1, digest }
    this.#interval = POLL_MIN_MS
    this.#broadcast(statusEvent(this.#seen.version, text))
    if (FINAL_STATES.has(state)) {
      this.#broadcast(endEvent(state))
      for (const watcher of this.#watchers) this.#close(watcher)
    }
    await this.ctx.storage.put('seen', this.#seen)
  }

  #fetch(settings: OriginSettings, call: OriginRequest): Promise<Fetched> {
    const now = this.#now()
    const window = coalesceMs(this.env)
    for (const [key, read] of this.#reads) if (read.answeredAt !== undefined && now - read.answeredAt >= window) this.#reads.delete(key)
    const key = JSON.stringify([settings, call.path, Object.entries(call.fields).filter(([, v]) => v !== undefined)])
    const known = this.#reads.get(key)
    if (known) return known.fetched
    const fetched = fetchOrigin(this.#envFor(settings), call)
    if (window > 0 && this.#reads.size < MAX_REMEMBERED_READS) {
      const read: Remembered = { fetched }
      this.#reads.set(key, read)
      void fetched.then(
        () => void (read.answeredAt = this.#now()),
        () => this.#reads.delete(key),
      )
    }
    return fetched
  }

  /** This Worker's env with the calling Worker's origin vars (the same in production; tests vary them). */
  #envFor(settings: OriginSettings): Env {
    const key = JSON.stringify(settings)
    if (this.#originEnv?.key !== key) this.#originEnv = { key, env: { ...this.env, ...settings } }
    return this.#originEnv.env
  }

  #broadcast(event: Uint8Array): void {
    for (const watcher of this.#watchers) {
      // desiredSize falls below zero by what is queued and unread: a watcher that far behind is dropped.
      if ((watcher.controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) this.#close(watcher)
      else watcher.controller.enqueue(event)
    }
  }

  #close(watcher: Watcher): void {
    this.#watchers.delete(watcher)
    try {
      watcher.controller.close()
    } catch {
      // already closed or cancelled
    }
  }

  #leave(watcher: Watcher): void {
    this.#watchers.delete(watcher)
    if (this.#watchers.size === 0) void this.#schedule().catch((error: unknown) => console.error('task poller: stop failed', error))
  }
}
