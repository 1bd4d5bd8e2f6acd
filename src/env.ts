import type { CredentialFeed } from './credentials/feed-object.ts'
import type { RateLimiter } from './ratelimit/limiter.ts'

/** Bindings and configuration of the gateway Worker (see wrangler.toml). */
export interface GatewayEnv {
  /** App and token records (src/credentials/records.ts). */
  CREDENTIALS: KVNamespace
  /** Recent credential writes, so revocations reach every isolate faster than KV (src/credentials/feed.ts). */
  CREDENTIAL_FEED?: DurableObjectNamespace<CredentialFeed>
  /** The reference engine, used as origin when ORIGIN_URL is empty. */
  ENGINE: Fetcher
  /** Rate limiter objects (src/ratelimit). */
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>

  GATEWAY_NAME?: string
  ORIGIN_URL?: string
  ORIGIN_TIMEOUT_MS?: string
  /** Largest origin answer read, in bytes; a larger one is a 502. */
  ORIGIN_MAX_BYTES?: string
  BODY_LIMIT_BYTES?: string
  AUTH_CACHE_TTL_MS?: string
  /** Browser origins allowed to call (comma-separated, or `*`); empty means no CORS. */
  CORS_ORIGINS?: string
  /** Rate limiting (src/ratelimit/config.ts, docs/rate-limiting.md). */
  RATE_LIMIT_ENABLED?: string
  RATE_LIMIT_DEFAULT?: string
  RATE_LIMIT_FAIL_MODE?: string
  RATE_LIMIT_TIMEOUT_MS?: string
  RATE_LIMIT_SHARD_RPS?: string

  /** Secrets. */
  JWT_PRIVATE_KEY: string
  CREDENTIAL_PEPPER: string
  /** Bearer secret of the admin endpoint (src/admin); without it the endpoint does not exist. */
  ADMIN_TOKEN?: string
}
