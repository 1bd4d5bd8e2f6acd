import type { RateLimiter } from './ratelimit/limiter.ts'

/** Bindings and configuration of the gateway Worker (see wrangler.toml). */
export interface GatewayEnv {
  /** App and token records (src/credentials/records.ts). */
  CREDENTIALS: KVNamespace
  /** The reference engine, used as origin when ORIGIN_URL is empty. */
  ENGINE: Fetcher
  /** Rate limiter objects (src/ratelimit). */
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>

  GATEWAY_NAME?: string
  ORIGIN_URL?: string
  ORIGIN_TIMEOUT_MS?: string
  BODY_LIMIT_BYTES?: string
  AUTH_CACHE_TTL_MS?: string
  AUTH_NEGATIVE_CACHE_TTL_MS?: string
  /** Browser origins allowed to call (comma-separated, or `*`); empty means no CORS. */
  CORS_ORIGINS?: string
  /** Rate limiting (src/ratelimit/config.ts, docs/rate-limiting.md). */
  RATE_LIMIT_ENABLED?: string
  RATE_LIMIT_DEFAULT?: string
  RATE_LIMIT_FAIL_MODE?: string
  RATE_LIMIT_TIMEOUT_MS?: string
  RATE_LIMIT_LEASE_MS?: string

  /** Secrets. */
  JWT_PRIVATE_KEY: string
  CREDENTIAL_PEPPER: string
}

declare global {
  namespace Cloudflare {
    interface Env extends GatewayEnv {
      APIGW_PUBLIC_KEY: string
    }
    interface GlobalProps {
      mainModule: typeof import('./index.ts')
    }
  }
}
