/**
 * The Worker's side of the limiter. A request is answered, in this order, by the isolate's lease on
 * the key's quota (memory, no I/O), by the isolate's deny-cache (memory), or by the key's limiter
 * object, which it calls itself within a deadline. A request never awaits a call another request made:
 * renewals and closes run in the background (waitUntil) and only leave their answers in memory.
 */
import type { RateWindow } from '../credentials/records.ts'
import { withDeadline } from '../lib/deadline.ts'
import { DenyCache } from './deny-cache.ts'
import { Leases } from './lease.ts'
import type { Lease } from './lease.ts'
import type { AcquireAnswer, AcquireRequest, Decision, LeaseRequest, Rejected } from './protocol.ts'

/** What the client needs of the RATE_LIMITER binding; a test can pass a namespace that counts or fails. */
export interface LimiterNamespace {
  getByName(name: string): { acquire(request: AcquireRequest): Promise<AcquireAnswer | Rejected> }
}

export interface LimiterKey {
  app: string
  resource: string
}

/** What one isolate knows about the limiters: its leases and its deny-cache. */
export interface IsolateMemory {
  leases: Leases
  denyCache: DenyCache
}

export const isolateMemory = (): IsolateMemory => ({ leases: new Leases(), denyCache: new DenyCache() })

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }

export interface AdmitOptions {
  namespace: LimiterNamespace
  /** Deadline of a call to the object. */
  timeoutMs: number
  /** Length of a lease; 0 asks the object for every request. */
  leaseMs: number
  /** Keeps background work (renewals, closes) alive after the response. */
  waitUntil: (promise: Promise<unknown>) => void
  /** A test's clock, also sent to the object; in production the isolate and the object use their own. */
  clock?: Clock
  /** Defaults to this isolate's; a test passes its own to play another isolate. */
  memory?: IsolateMemory
}

/** Which tier decided: the isolate's lease, the limiter object, or the isolate's memory of a refusal. */
export type LimitTier = 'lease' | 'object' | 'deny-cache'

export interface Verdict {
  tier: LimitTier
  decision: Decision
}

/** The object failed or missed the deadline; the caller decides between fail-open and fail-closed. */
export class LimiterUnavailable extends Error {}

const thisIsolate = isolateMemory()

/** The key's object: resource names contain no `/`, so any app code is unambiguous. */
export const objectName = (key: LimiterKey) => `${key.resource}/${key.app}`

/**
 * Admits or refuses one request. Answers from memory when it can, as a plain Verdict (no promise, no
 * timer); otherwise asks the object and rejects with LimiterUnavailable if it cannot.
 */
export function admit(key: LimiterKey, windows: RateWindow[], options: AdmitOptions): Verdict | Promise<Verdict> {
  const memory = options.memory ?? thisIsolate
  const clock = options.clock ?? realClock
  const now = clock.now()
  const name = objectName(key)
  const { lease, replaced } = memory.leases.for(name, windows, now)
  const calls: KeyCalls = { name, lease, memory, clock, options }
  if (replaced) {
    // The limits changed: what was refused under the old ones says nothing now, and what the old lease
    // holds unspent goes back before the new windows are asked, or the object would count it as spent
    // in them when the lease expired. A failed close leaves exactly that, erring towards refusing.
    memory.denyCache.forget(name)
    const close = replaced.close(replaced.answers)
    if (close) {
      const closed = call(name, { windows: replaced.windows, admit: false, lease: close }, options).catch(() => undefined)
      return closed.then(() => decide(calls, clock.now()))
    }
  }
  return decide(calls, now)
}

/** From the lease, the deny-cache, or the object, in that order. */
function decide(calls: KeyCalls, now: number): Verdict | Promise<Verdict> {
  const { name, lease, memory, options } = calls
  lease.arrive()
  if (lease.take(now)) {
    if (lease.wantsRenewal(now)) renew(calls)
    return { tier: 'lease', decision: lease.decision(true, now) }
  }
  const refusal = memory.denyCache.refusal(name, now, options.timeoutMs)
  if (refusal) return { tier: 'deny-cache', decision: refusal }
  return ask(calls)
}

/** What the calls about one key need, once memory could not answer. */
interface KeyCalls {
  name: string
  lease: Lease
  memory: IsolateMemory
  clock: Clock
  options: AdmitOptions
}

/** The request's own call: admit it, and renew or open the isolate's lease on the way. */
async function ask(key: KeyCalls): Promise<Verdict> {
  const { name, lease, memory, clock, options } = key
  const sentAt = clock.now()
  const request = lease.request(sentAt, options.leaseMs, options.timeoutMs, false)
  let answer: AcquireAnswer
  try {
    answer = await call(name, { windows: lease.windows, admit: true, lease: request }, options)
  } catch (error) {
    lease.failed(request)
    memory.denyCache.forget(name)
    throw error
  }
  const now = clock.now()
  absorb(key, request, answer, sentAt, now)
  // Refused, but a lease that arrived meanwhile (this answer's, or another call's) may have a token.
  if (!answer.decision.allowed && lease.take(now)) return { tier: 'lease', decision: lease.decision(true, now) }
  return { tier: 'object', decision: lease.decision(answer.decision.allowed, now) }
}

/** Tops the lease up in the background before it runs out; the requests meanwhile keep spending it. */
function renew(key: KeyCalls): void {
  const { name, lease, clock, options } = key
  const sentAt = clock.now()
  const request = lease.request(sentAt, options.leaseMs, options.timeoutMs, true)
  if (!request) return
  options.waitUntil(
    call(name, { windows: lease.windows, admit: false, lease: request }, options).then(
      (answer) => absorb(key, request, answer, sentAt, clock.now()),
      // The lease is left to expire; the next request without tokens asks the object itself.
      () => lease.failed(request),
    ),
  )
}

/** Leaves an answer in memory, and sets the lease to be closed if no renewal comes. */
function absorb(key: KeyCalls, request: LeaseRequest | undefined, answer: AcquireAnswer, sentAt: number, now: number): void {
  key.lease.absorb(request, answer, sentAt, now)
  key.memory.denyCache.learn(key.name, answer.decision, now)
  if (key.lease.id !== undefined) key.options.waitUntil(closeWhenIdle(key))
}

/** Once no renewal has come by the lease's close time, gives its unspent tokens back. */
async function closeWhenIdle({ name, lease, clock, options }: KeyCalls): Promise<void> {
  const answersSeen = lease.answers
  await clock.sleep(lease.closeAt - clock.now())
  const request = lease.close(answersSeen)
  if (!request) return
  // If the close is lost, the lease expires and its tokens count as spent: nothing to do.
  await call(name, { windows: lease.windows, admit: false, lease: request }, options).catch(() => undefined)
}

/** One call to the object, within the deadline; every failure is LimiterUnavailable. */
async function call(name: string, request: AcquireRequest, options: AdmitOptions): Promise<AcquireAnswer> {
  const at = options.clock?.now()
  const answer = await withDeadline(
    () => options.namespace.getByName(name).acquire(at === undefined ? request : { ...request, at }),
    options.timeoutMs,
    (reason, cause) => new LimiterUnavailable(reason, { cause }),
  )
  if ('rejected' in answer) throw new LimiterUnavailable(answer.rejected)
  return answer
}
