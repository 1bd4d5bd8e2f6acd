/**
 * An isolate's lease on one key's quota: tokens the limiter object has lent it, spent from memory.
 * Everything here is synchronous: the answers of calls made elsewhere (./client.ts) are absorbed into
 * it, and a request only ever reads it, so no request waits on I/O another one started.
 */
import type { RateWindow } from '../credentials/records.ts'
import type { AcquireAnswer, Decision, LeaseRequest, WindowState } from './protocol.ts'

/**
 * The end of each lease the isolate gives up, as a share of its length: the object counts a lease from
 * when it decided, the isolate from before it asked, and this covers how Workers' clock lags while code
 * runs. The closer acts one more such share earlier, so that a close reaches the object in time.
 */
const SAFETY = 0.1
/** Demand is measured over at least this long, so that a burst at one instant asks for no lease. */
const MIN_SAMPLE_MS = 10

export class Lease {
  /** The object's name for the lease; undefined while the isolate holds none. */
  #id: string | undefined
  #received = 0
  #spent = 0
  /** No token is spent at or after this moment. */
  #deadline = 0
  #renewAt = 0
  #closeAt = 0
  /** A renewal starts once no more than this is left. */
  #lowWater = 0
  /** Answers absorbed: a closer closes only the lease as it left it. */
  #answers = 0
  /** The call that opens or renews the lease in the background, while it is in flight (time-bounded). */
  #pending: { request: LeaseRequest; until: number } | undefined
  /** The object's last answer, for the headers of the requests the lease admits. */
  #view: { windows: WindowState[]; at: number } | undefined
  #arrivals = 0
  #sampledAt: number
  /** Requests per ms, measured at the last call. */
  #rate = 0

  readonly windows: RateWindow[]

  constructor(windows: RateWindow[], now: number) {
    this.windows = windows
    this.#sampledAt = now
  }

  get id(): string | undefined {
    return this.#id
  }

  get closeAt(): number {
    return this.#closeAt
  }

  get answers(): number {
    return this.#answers
  }

  /** Counts a request towards the demand that sizes the next lease. */
  arrive(): void {
    this.#arrivals++
  }

  /** Spends one token if the lease has one and is live. */
  take(now: number): boolean {
    if (this.#id === undefined || this.#spent >= this.#received || now >= this.#deadline) return false
    this.#spent++
    return true
  }

  /** Whether a renewal should start now: half the lease's time or tokens gone, and none in flight. */
  wantsRenewal(now: number): boolean {
    return !this.#busy(now) && (now >= this.#renewAt || this.#received - this.#spent <= this.#lowWater)
  }

  /**
   * The lease part of a call: renew the lease held, or open one when demand asks for it and no other
   * call is opening one. `background` marks the call so that no second renewal starts meanwhile.
   */
  request(now: number, ms: number, timeoutMs: number, background: boolean): LeaseRequest | undefined {
    if (ms === 0) return undefined
    const want = this.#want(now, ms)
    if (this.#id === undefined && (want === 0 || this.#busy(now))) return undefined
    const request = { ...(this.#id === undefined ? {} : { id: this.#id }), spent: this.#spent, want, ms }
    if (background || this.#id === undefined) this.#pending = { request, until: now + timeoutMs }
    return request
  }

  /** Stops spending and returns the close request, if the lease is still the one a closer was set for. */
  close(answersSeen: number): LeaseRequest | undefined {
    if (this.#id === undefined || this.#answers !== answersSeen) return undefined
    const request = { id: this.#id, spent: this.#spent, want: 0, ms: 1, close: true }
    this.#drop()
    return request
  }

  /** Takes in the object's answer to a call made at `sentAt` with `request` as its lease part. */
  absorb(request: LeaseRequest | undefined, answer: AcquireAnswer, sentAt: number, now: number): void {
    if (request === this.#pending?.request) this.#pending = undefined
    this.#view = { windows: answer.decision.windows, at: now }
    const grant = answer.lease
    if (!grant) {
      // The object no longer has the lease: it expired, and its tokens were counted as spent.
      if (request?.id !== undefined && request.id === this.#id) this.#drop()
      return
    }
    if (grant.id !== this.#id) {
      // Only a lease this call opened may replace the one held, and only a dead one. A lease the
      // isolate has dropped or closed is never taken up again: its counts here are gone, and its
      // tokens are settled by the object (given back on close, counted as spent on expiry).
      if (request?.id !== undefined || (this.#id !== undefined && now < this.#deadline)) return
      this.#drop()
      this.#id = grant.id
    }
    this.#received += grant.tokens
    this.#deadline = Math.max(this.#deadline, sentAt + grant.ms * (1 - SAFETY))
    this.#renewAt = Math.max(this.#renewAt, sentAt + grant.ms / 2)
    this.#closeAt = this.#deadline - grant.ms * SAFETY
    this.#lowWater = Math.floor((this.#received - this.#spent) / 2)
    this.#answers++
  }

  /** A call failed: whatever it was granted never arrived, so the lease is left to expire. */
  failed(request: LeaseRequest | undefined): void {
    if (request === this.#pending?.request) this.#pending = undefined
    if (request?.id !== undefined && request.id === this.#id) this.#drop()
  }

  /**
   * A decision as this isolate sees it: the object's last view of every window plus the tokens the
   * lease still holds, its reset times aged to `now` (an estimate between two answers).
   */
  decision(allowed: boolean, now: number): Decision {
    const view = this.#view
    if (!view) throw new Error('a lease decision before any answer')
    const held = this.#id !== undefined && now < this.#deadline ? this.#received - this.#spent : 0
    const elapsed = now - view.at
    return {
      allowed,
      windows: view.windows.map((w) => ({
        ...w,
        remaining: Math.min(w.tokens, w.remaining + held),
        resetMs: Math.max(0, w.resetMs - elapsed),
      })),
    }
  }

  #busy(now: number): boolean {
    return this.#pending !== undefined && now < this.#pending.until
  }

  /** Tokens the isolate expects to spend in one lease, from its demand since the last measure. */
  #want(now: number, ms: number): number {
    const elapsed = now - this.#sampledAt
    if (elapsed >= MIN_SAMPLE_MS) {
      this.#rate = this.#arrivals / elapsed
      this.#arrivals = 0
      this.#sampledAt = now
    }
    return Math.ceil(this.#rate * ms)
  }

  #drop(): void {
    this.#id = undefined
    this.#received = 0
    this.#spent = 0
    this.#deadline = 0
    this.#renewAt = 0
  }
}

/** At most this many keys' leases per isolate; the oldest is dropped first (its lease then just expires). */
const MAX_KEYS = 10_000

/** The leases of one isolate, by limiter object name. */
export class Leases {
  readonly #byName = new Map<string, Lease>()

  /**
   * The key's lease for these windows. A change of limits starts a new one, and hands back the one it
   * replaced, to be closed: its unspent tokens must not count as spent in the new windows.
   */
  for(name: string, windows: RateWindow[], now: number): { lease: Lease; replaced?: Lease } {
    const lease = this.#byName.get(name)
    if (lease && (lease.windows === windows || sameWindows(lease.windows, windows))) return { lease }
    if (!lease && this.#byName.size >= MAX_KEYS) this.#byName.delete(this.#byName.keys().next().value!)
    const fresh = new Lease(windows, now)
    this.#byName.set(name, fresh)
    return lease ? { lease: fresh, replaced: lease } : { lease: fresh }
  }
}

const sameWindows = (a: RateWindow[], b: RateWindow[]) =>
  a.length === b.length && a.every((w, i) => w.tokens === b[i]?.tokens && w.period === b[i]?.period)
