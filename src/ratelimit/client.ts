/**
 * The Worker's side of the limiter: pick the key's object (or one of its shards), answer from the
 * isolate's deny-cache when it can, otherwise ask the object, within a deadline.
 */
import type { RateWindow } from '../credentials/records.ts'
import { DenyCache } from './deny-cache.ts'
import type { DecideRequest, Decision } from './limiter.ts'
import { objectName, shardCount, shardWindows, toWholeLimit } from './shards.ts'

/** What the client needs of the RATE_LIMITER binding; a test can pass a namespace that counts or fails. */
export interface LimiterNamespace {
  getByName(name: string): { decide(request: DecideRequest): Promise<Decision> }
}

export interface LimiterKey {
  app: string
  resource: string
}

export interface ConsultOptions {
  namespace: LimiterNamespace
  timeoutMs: number
  shardRps: number
  /** Test clock for the deny-cache; the limiter object keeps its own. */
  now?: () => number
  /** Defaults to the isolate's cache; tests pass their own to start empty. */
  denyCache?: DenyCache
}

/** Which tier decided: the limiter object, or the isolate's memory of its last refusal. */
export type Tier = 'do' | 'isolate-cache'

export interface Verdict {
  tier: Tier
  decision: Decision
}

/** The object failed or missed the deadline; the caller decides between fail-open and fail-closed. */
export class LimiterUnavailable extends Error {}

const isolateDenyCache = new DenyCache()

export async function consult(key: LimiterKey, windows: RateWindow[], options: ConsultOptions): Promise<Verdict> {
  const now = options.now ?? Date.now
  const denyCache = options.denyCache ?? isolateDenyCache
  const shards = shardCount(windows, options.shardRps)
  const names = Array.from({ length: shards }, (_, shard) => objectName(key.resource, shard, key.app))
  const asWhole = (decision: Decision) => (shards > 1 ? toWholeLimit(decision, windows) : decision)

  const open = names.flatMap((name, shard) => (denyCache.refusal(name, now()) ? [] : [{ name, shard }]))
  const pick = open[Math.floor(Math.random() * open.length)]
  if (!pick) return { tier: 'isolate-cache', decision: asWhole(soonestRefusal(names, denyCache, now())) }

  const decision = await withDeadline(
    options.namespace.getByName(pick.name).decide({ windows: shardWindows(windows, shards, pick.shard) }),
    options.timeoutMs,
  )
  denyCache.remember(pick.name, decision, now())
  return { tier: 'do', decision: asWhole(decision) }
}

/** Every shard is refusing: answer with the one that gives quota back first. */
function soonestRefusal(names: string[], denyCache: DenyCache, now: number): Decision {
  const refusals = names.flatMap((name) => denyCache.refusal(name, now) ?? [])
  const retryMs = (d: Decision) => Math.max(...d.windows.filter((w) => w.remaining === 0).map((w) => w.resetMs))
  return refusals.reduce((a, b) => (retryMs(b) < retryMs(a) ? b : a))
}

async function withDeadline<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LimiterUnavailable(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([call, deadline])
  } catch (error) {
    if (error instanceof LimiterUnavailable) throw error
    throw new LimiterUnavailable(error instanceof Error ? error.message : String(error), { cause: error })
  } finally {
    clearTimeout(timer)
  }
}
