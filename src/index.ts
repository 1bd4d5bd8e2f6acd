/** The Worker: the gateway app, its Durable Objects, and the reference engine bound as default origin. */
import app from './app.ts'

export default app
export { CredentialFeed } from './credentials/feed-object.ts'
export { RateLimiter } from './ratelimit/limiter.ts'
export { IdempotencyKeys } from './idempotency/record.ts'
export { Engine, EngineTask, EngineRegistry } from './engine/index.ts'
