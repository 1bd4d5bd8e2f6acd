import type { CredentialFeed } from './credentials/feed-object.ts'
import type { IdempotencyKeys } from './idempotency/record.ts'
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
  /** Idempotency-Keys, a few objects per app (src/idempotency). */
  IDEMPOTENCY_KEYS: DurableObjectNamespace<IdempotencyKeys>
  /** Workers Analytics Engine dataset: one data point per call (docs/observability.md); absent locally. */
  METRICS?: AnalyticsEngineDataset

  GATEWAY_NAME?: string
  ORIGIN_URL?: string
  ORIGIN_TIMEOUT_MS?: string
  /** Largest origin answer read, in bytes; a larger one is a 502. */
  ORIGIN_MAX_BYTES?: string
  /** Accept-Encoding sent to an ORIGIN_URL origin (default identity); a compressed answer is capped as decoded. */
  ORIGIN_ACCEPT_ENCODING?: string
  BODY_LIMIT_BYTES?: string
  AUTH_CACHE_TTL_MS?: string
  /** Browser origins allowed to call (comma-separated, or `*`); empty means no CORS. */
  CORS_ORIGINS?: string
  /** Rate limiting (src/ratelimit/config.ts, docs/rate-limiting.md). */
  RATE_LIMIT_ENABLED?: string
  RATE_LIMIT_DEFAULT?: string
  RATE_LIMIT_FAIL_MODE?: string
  RATE_LIMIT_TIMEOUT_MS?: string
  RATE_LIMIT_LEASE_MS?: string
  /** Idempotency-Key (src/idempotency/config.ts): how long outcomes are kept, and the store's deadline. */
  IDEMPOTENCY_TTL_S?: string
  IDEMPOTENCY_TIMEOUT_MS?: string
  /** The access log (src/observability, docs/observability.md): `json`, `pretty` or `none`. */
  LOG_FORMAT?: string
  /** "true" where Cloudflare's edge sets CF-Connecting-IP (deployed); else no client IP is logged (src/observability/client-ip.ts). */
  TRUST_CF_CONNECTING_IP?: string
  /** Share of successful calls whose access-log line is written (0 to 1); errors are always written. */
  LOG_SAMPLE_RATE?: string

  /** Secrets. */
  JWT_PRIVATE_KEY: string
  CREDENTIAL_PEPPER: string
  /** Bearer secret of the admin endpoint (src/admin); without it the endpoint does not exist. */
  ADMIN_TOKEN?: string
}
