/**
 * How many apps not in the isolate's cache a client may have KV look up (issue 23): a token bucket per
 * client, so a flood of random app codes costs KV a bounded number of reads however it is spread. A
 * lookup that finds its app gives its token back, and concurrent lookups of one app cost one token, so
 * a client's burst of calls for its own app on a cold isolate is never refused for it.
 */
import { BoundedCache, ENTRY_OVERHEAD_BYTES, stringBytes } from '../lib/bounded-cache.ts'

export const LOOKUP_BURST = 20
export const LOOKUPS_PER_SECOND = 1
const MAX_BYTES = 1024 * 1024

interface Bucket {
  tokens: number
  at: number
  /** The apps (digests) the client's lookups are reading now, each holding one token. */
  reading: Set<string>
}

const DIGEST_BYTES = stringBytes('0'.repeat(64))
// A bucket's reading set never holds more than LOOKUP_BURST apps: each holds a token.
const buckets = new BoundedCache<Bucket>(MAX_BYTES, (client) => stringBytes(client) + LOOKUP_BURST * DIGEST_BYTES + ENTRY_OVERHEAD_BYTES)

function bucketOf(client: string, now: number): Bucket {
  let bucket = buckets.get(client)
  if (!bucket) {
    bucket = { tokens: LOOKUP_BURST, at: now, reading: new Set() }
    buckets.set(client, bucket)
  }
  bucket.tokens = Math.min(LOOKUP_BURST, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * LOOKUPS_PER_SECOND)
  bucket.at = now
  return bucket
}

/** Whether `client` (a digest) may have KV read the app `app` (a digest) now; if so, call `endLookup`. */
export function beginLookup(client: string, app: string, now: number): boolean {
  const bucket = bucketOf(client, now)
  if (bucket.reading.has(app)) return true
  if (bucket.tokens < 1) return false
  bucket.tokens -= 1
  bucket.reading.add(app)
  return true
}

/** Ends a lookup; one that found its app costs the client nothing. */
export function endLookup(client: string, app: string, found: boolean): void {
  const bucket = buckets.get(client)
  if (!bucket) return
  bucket.reading.delete(app)
  if (found) bucket.tokens = Math.min(LOOKUP_BURST, bucket.tokens + 1)
}
