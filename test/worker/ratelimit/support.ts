/** Shared by the limiter tests: the real limiter objects, counted or cut off, and isolates played by a test. */
import { env } from 'cloudflare:workers'
import type { RateWindow } from '../../../src/credentials/records.ts'
import { admit, isolateMemory } from '../../../src/ratelimit/client.ts'
import type { AdmitOptions, Clock, LimiterNamespace } from '../../../src/ratelimit/client.ts'
import type { AcquireAnswer, AcquireRequest, Rejected } from '../../../src/ratelimit/protocol.ts'

type Stub = ReturnType<typeof env.RATE_LIMITER.getByName>

/** One call to a limiter object, which must not reject the request. */
export async function acquire(stub: Stub, request: AcquireRequest): Promise<AcquireAnswer> {
  const answer: AcquireAnswer | Rejected = await stub.acquire(request)
  if ('rejected' in answer) throw new Error(answer.rejected)
  return answer
}

/**
 * The real namespace, counting the calls that reach an object. `settled()` waits until no call is in
 * flight (and none follows from an answer); `cut()` makes every later call fail, as for an isolate
 * that has lost its way to the object.
 */
export function countingNamespace() {
  const calls: AcquireRequest[] = []
  const inFlight = new Set<Promise<unknown>>()
  let cut = false
  const namespace: LimiterNamespace = {
    getByName: (name) => ({
      acquire: (request) => {
        if (cut) return Promise.reject(new Error('Network connection lost.'))
        calls.push(request)
        const answer = env.RATE_LIMITER.getByName(name).acquire(request)
        inFlight.add(answer)
        void answer.finally(() => inFlight.delete(answer)).catch(() => undefined)
        return answer
      },
    }),
  }
  const settled = async () => {
    while (inFlight.size > 0) {
      await Promise.allSettled([...inFlight])
      // Let what the answers start (a close after a renewal) begin before looking again.
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
  }
  return { namespace, calls, settled, cut: () => void (cut = true) }
}

/** A clock the test moves; sleepers wake when it passes their time. */
export class TestClock implements Clock {
  #now: number
  #sleepers: { at: number; wake: () => void }[] = []

  constructor(start: number) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((wake) => this.#sleepers.push({ at: this.#now + ms, wake }))
  }

  advance(ms: number): void {
    this.#now += ms
    const due = this.#sleepers.filter((s) => s.at <= this.#now)
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now)
    for (const sleeper of due) sleeper.wake()
  }
}

/** An isolate played by a test: its own leases and deny-cache, on the test's clock. */
export function playIsolate(namespace: LimiterNamespace, clock: Clock, extra: Partial<AdmitOptions> = {}) {
  const options: AdmitOptions = {
    namespace,
    timeoutMs: 5000,
    leaseMs: 500,
    // Background work runs on its own; the test waits for the namespace's calls instead.
    waitUntil: () => undefined,
    clock,
    memory: isolateMemory(),
    ...extra,
  }
  return {
    options,
    admit: (app: string, windows: RateWindow[]) => admit({ app, resource: 'operate_node' }, windows, options),
  }
}
