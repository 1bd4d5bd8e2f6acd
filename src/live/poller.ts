/**
 * TaskPoller: one identity's view of one task (./target.ts), with and without ex_data. While either
 * has watchers it polls SOPS's get_task_status for it — at most one call per interval, however many
 * watch — and pushes each change to every watcher's stream; with none it stops. It also answers that
 * identity's status reads, so identical reads within the coalescing window reach SOPS once, and
 * forgets them on a write. Both variants live in one object so that a write tells it with one call.
 *
 * A write must be told before its answer leaves, or a read after it could be answered from before it.
 * A poller nobody has read or watched lately, told of writes in a burst, lends the writer a quiet lease
 * (changed()): for a while its writers need not tell it, and meanwhile it remembers no read, so none
 * can be old, and polls any stream opened meanwhile again once the lease is over, so the stream sees
 * those writes then.
 *
 * Time: an alarm's scheduled time counts as now. An alarm never runs early in production, and tests
 * run alarms early (runDurableObjectAlarm) to move the poller's time on without waiting.
 */
import { DurableObject } from 'cloudflare:workers'
import { sha256Hex } from '../credentials/hash.ts'
import { originPath } from '../resources/table.ts'
import type { OriginRequest } from '../origin/origin.ts'
import { signIdentity } from '../origin/identity.ts'
import {
  BURST_MS,
  FINAL_STATES,
  IDLE_MS,
  KEEPALIVE_MS,
  MAX_QUEUED_BYTES,
  MAX_REMEMBERED_READS,
  MAX_WATCHERS,
  POLL_MAX_MS,
  POLL_MIN_MS,
  QUIET_MS,
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

/** The watchers of one variant of the status (with or without ex_data), and what they were sent. */
class View {
  watch: Omit<WatchRequest, 'lastEventId'> | undefined
  readonly watchers = new Set<Watcher>()
  seen: Seen = { version: 0, digest: '' }
  /** The current status as JSON, and whether it is final; undefined until a poll succeeds. */
  latest: { text: string; state: string } | undefined
  interval = POLL_MIN_MS
  pollAt = Number.POSITIVE_INFINITY
  keepaliveAt = Number.POSITIVE_INFINITY
  /** Polls started and the latest applied: an older poll answering late never overwrites a newer one. */
  polls = 0
  applied = 0
  /** Where `seen` is stored. */
  readonly storageKey: string

  constructor(storageKey: string) {
    this.storageKey = storageKey
  }
}

const QUIET_KEY = 'quiet_until'

export class TaskPoller extends DurableObject<Env> {
  /** Without ex_data, then with it. */
  readonly #views = [new View('seen'), new View('seen:ex_data')] as const
  readonly #reads = new Map<string, Remembered>()
  #originEnv: { key: string; env: Env } | undefined
  #alarmTime = 0
  /**
   * The end of the quiet leases lent, in real time as the writers count them (never an alarm's time);
   * 0 once they have ended. Stored until then, so that a restarted object still honours them.
   */
  #quietUntil = 0
  /** When a read or a stream last used this object: one in use lends no quiet. */
  #usedAt = Number.NEGATIVE_INFINITY
  /** When it was last told of a write: a lone write is only told, and costs no storage. */
  #toldAt = Number.NEGATIVE_INFINITY

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get<Seen | number>([...this.#views.map((view) => view.storageKey), QUIET_KEY])
      for (const view of this.#views) view.seen = (stored.get(view.storageKey) as Seen | undefined) ?? view.seen
      this.#quietUntil = (stored.get(QUIET_KEY) as number | undefined) ?? 0
    })
  }

  #now = () => Math.max(Date.now(), this.#alarmTime)

  #viewOf = (exData: boolean) => this.#views[exData ? 1 : 0]

  /** A status read of this identity, shared with identical ones in flight or answered within the window. */
  read(settings: OriginSettings, call: OriginRequest): Promise<Fetched> {
    this.#usedAt = Date.now()
    return this.#fetch(settings, call)
  }

  /**
   * A write through the gateway reached this task: forget what was read, and show watchers the change
   * now. Answers the quiet lease lent to the writer, in ms: 0 while anyone uses this object, or for a
   * write that does not follow another closely.
   */
  async changed(): Promise<number> {
    this.#reads.clear()
    const now = Date.now()
    const previous = this.#toldAt
    this.#toldAt = now
    const watched = this.#views.filter((view) => view.watchers.size > 0)
    if (watched.length > 0) {
      for (const view of watched) {
        view.interval = POLL_MIN_MS
        view.pollAt = this.#now()
      }
      // The write's answer need not wait for the refresh: the streams keep this object alive meanwhile.
      void this.#tick().catch((error: unknown) => console.error('task poller: refresh failed', error))
      return 0
    }
    if (now - this.#usedAt < IDLE_MS || now - previous >= BURST_MS) return 0
    if (now + QUIET_MS > this.#quietUntil) {
      // Stored one lease ahead: one write to storage per lease, not one per writer.
      this.#quietUntil = now + 2 * QUIET_MS
      await this.ctx.storage.put(QUIET_KEY, this.#quietUntil)
      await this.#schedule()
    }
    return QUIET_MS
  }

  async watch(request: WatchRequest): Promise<Opened> {
    this.#usedAt = Date.now()
    const { lastEventId, ...watch } = request
    const view = this.#viewOf(watch.exData)
    view.watch = watch
    if (view.watchers.size >= MAX_WATCHERS) return { refused: 'full' }
    if (view.watchers.size === 0 || view.latest === undefined) {
      // Not polling: the status may be old, so it is read now (coalesced with reads in the window).
      const fetched = await this.#poll(view)
      if (view.latest === undefined) return { refused: fetched }
    }
    const latest = view.latest!
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const watcher: Watcher = { id: crypto.randomUUID(), controller: undefined as never, closesAt: this.#now() + STREAM_LIFETIME_MS }
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => void (controller = c),
        cancel: () => this.#leave(view, watcher),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    )
    watcher.controller = controller
    if (lastEventId !== view.seen.version) controller.enqueue(statusEvent(view.seen.version, latest.text))
    if (FINAL_STATES.has(latest.state)) {
      controller.enqueue(endEvent(latest.state))
      controller.close()
      return { stream }
    }
    view.watchers.add(watcher)
    if (view.watchers.size === 1) {
      view.interval = POLL_MIN_MS
      view.pollAt = this.#nextPollAt(view)
      view.keepaliveAt = this.#now() + KEEPALIVE_MS
    }
    await this.#schedule()
    return { stream, watcher: watcher.id }
  }

  /**
   * The watcher's client went away. Its Worker says so: a cancel crossing the RPC stream reaches this
   * object only when it next writes to it.
   */
  async leave(id: string): Promise<void> {
    for (const view of this.#views) for (const watcher of view.watchers) if (watcher.id === id) this.#close(view, watcher)
    await this.#schedule()
  }

  override async alarm(): Promise<void> {
    const at = this.#alarmAt()
    // Nothing due: the object restarted since (its streams went with it), so there is nothing to do.
    if (!Number.isFinite(at)) return
    this.#alarmTime = at
    // The leases lent have all ended: their record goes, so a task written once leaves nothing stored.
    if (this.#quietUntil > 0 && Date.now() >= this.#quietUntil) {
      this.#quietUntil = 0
      await this.ctx.storage.delete(QUIET_KEY)
    }
    await this.#tick()
  }

  /** Does what is due for each view, then sets the next alarm. */
  async #tick(): Promise<void> {
    const now = this.#now()
    await Promise.all(this.#views.map((view) => this.#tickView(view, now)))
    await this.#schedule()
  }

  /** Closes streams past their lifetime, polls, sends keepalives. */
  async #tickView(view: View, now: number): Promise<void> {
    for (const watcher of view.watchers) if (watcher.closesAt <= now) this.#close(view, watcher)
    if (view.watchers.size > 0 && view.pollAt <= now) {
      view.pollAt = Number.POSITIVE_INFINITY // one poll at a time
      await this.#poll(view)
      view.pollAt = this.#nextPollAt(view)
    }
    if (view.watchers.size > 0 && view.keepaliveAt <= now) {
      this.#broadcast(view, keepalive())
      view.keepaliveAt = now + KEEPALIVE_MS
    }
  }

  /** After the interval, or when the quiet leases end if sooner: the writes made under them were not told. */
  #nextPollAt(view: View): number {
    const at = this.#now() + view.interval
    return this.#now() < this.#quietUntil ? Math.min(at, this.#quietUntil) : at
  }

  /** The next time something is due; infinite when nobody watches. */
  #dueAt(): number {
    let due = Number.POSITIVE_INFINITY
    for (const view of this.#views) {
      if (view.watchers.size === 0) continue
      due = Math.min(due, view.pollAt, view.keepaliveAt)
      for (const watcher of view.watchers) due = Math.min(due, watcher.closesAt)
    }
    return due
  }

  /** The alarm: when the next thing is due for the watchers, or when the quiet leases end, for their record to go. */
  #alarmAt(): number {
    return Math.min(this.#dueAt(), this.#quietUntil > 0 ? this.#quietUntil : Number.POSITIVE_INFINITY)
  }

  async #schedule(): Promise<void> {
    const at = this.#alarmAt()
    if (Number.isFinite(at)) await this.ctx.storage.setAlarm(at)
    else await this.ctx.storage.deleteAlarm()
  }

  async #poll(view: View): Promise<Fetched> {
    const watch = view.watch!
    const poll = ++view.polls
    const fetched = await this.#fetch(watch.settings, await this.#pollCall(watch))
    const status = statusOf(fetched)
    const text = status === undefined ? undefined : JSON.stringify(status)
    const digest = text === undefined ? undefined : await sha256Hex(text)
    // From here to the change's version, nothing awaits: two polls answering together cannot both count it.
    if (poll <= view.applied) return fetched
    view.applied = poll
    if (text === undefined || digest === undefined) this.#slowDown(view)
    else await this.#apply(view, text, String((status as { state?: unknown } | null)?.state ?? ''), digest)
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

  #slowDown(view: View): void {
    view.interval = Math.min(view.interval * 2, POLL_MAX_MS)
  }

  /** A new status gets the next version and goes to every watcher; an unchanged one slows polling down. */
  async #apply(view: View, text: string, state: string, digest: string): Promise<void> {
    view.latest = { text, state }
    if (digest === view.seen.digest) return this.#slowDown(view)
    view.seen = { version: view.seen.version + 1, digest }
    view.interval = POLL_MIN_MS
    this.#broadcast(view, statusEvent(view.seen.version, text))
    if (FINAL_STATES.has(state)) {
      this.#broadcast(view, endEvent(state))
      for (const watcher of view.watchers) this.#close(view, watcher)
    }
    await this.ctx.storage.put(view.storageKey, view.seen)
  }

  #fetch(settings: OriginSettings, call: OriginRequest): Promise<Fetched> {
    const now = this.#now()
    const window = coalesceMs(this.env)
    for (const [key, read] of this.#reads) if (read.answeredAt !== undefined && now - read.answeredAt >= window) this.#reads.delete(key)
    const key = JSON.stringify([settings, call.path, Object.entries(call.fields).filter(([, v]) => v !== undefined)])
    const known = this.#reads.get(key)
    if (known) return known.fetched
    const fetched = fetchOrigin(this.#envFor(settings), call)
    if (window > 0 && Date.now() >= this.#quietUntil && this.#reads.size < MAX_REMEMBERED_READS) {
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

  #broadcast(view: View, event: Uint8Array): void {
    for (const watcher of view.watchers) {
      // desiredSize falls below zero by what is queued and unread: a watcher that far behind is dropped.
      if ((watcher.controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) this.#close(view, watcher)
      else watcher.controller.enqueue(event)
    }
  }

  #close(view: View, watcher: Watcher): void {
    view.watchers.delete(watcher)
    try {
      watcher.controller.close()
    } catch {
      // already closed or cancelled
    }
  }

  #leave(view: View, watcher: Watcher): void {
    view.watchers.delete(watcher)
    if (view.watchers.size === 0) void this.#schedule().catch((error: unknown) => console.error('task poller: stop failed', error))
  }
}
