/**
 * Spreading one hot key over several limiter objects. The quota of every window is split between the
 * shards so that the shares add up to exactly the limit: together the shards can never admit more than
 * the limit. What sharding costs is the opposite error: a request can be refused by its shard while
 * another shard still has room (see docs/rate-limiting.md).
 */
import type { RateWindow } from '../credentials/records.ts'
import type { Decision } from './limiter.ts'

/** More shards than this buys nothing a deny-cache does not already give. */
export const MAX_SHARDS = 32

/**
 * Enough shards for each to see at most `shardRps` admitted requests per second, and never more shards
 * than the smallest window has tokens, so every shard's share is at least one.
 */
export function shardCount(windows: RateWindow[], shardRps: number): number {
  const peakRps = Math.max(...windows.map((w) => w.tokens / w.period))
  const fewestTokens = Math.min(...windows.map((w) => w.tokens))
  return Math.max(1, Math.min(Math.ceil(peakRps / shardRps), fewestTokens, MAX_SHARDS))
}

/** Shard `shard`'s share of each window; the shares of all shards sum to the window's tokens. */
export function shardWindows(windows: RateWindow[], shards: number, shard: number): RateWindow[] {
  return windows.map(({ tokens, period }) => ({
    tokens: Math.floor(tokens / shards) + (shard < tokens % shards ? 1 : 0),
    period,
  }))
}

/** The object's name: resource and shard cannot contain `/`, so any app code is unambiguous. */
export const objectName = (resource: string, shard: number, app: string) => `${resource}/${shard}/${app}`

/**
 * A shard's decision in terms of the whole limit: its remaining quota scaled by the shard's share,
 * which is an estimate of the whole key's remaining quota, exact when there is one shard.
 */
export function toWholeLimit(decision: Decision, windows: RateWindow[]): Decision {
  return {
    allowed: decision.allowed,
    windows: decision.windows.map((state, i) => {
      const whole = windows[i] ?? state
      const scaled = Math.floor((state.remaining * whole.tokens) / state.tokens)
      return { ...state, tokens: whole.tokens, remaining: Math.min(whole.tokens, scaled) }
    }),
  }
}
