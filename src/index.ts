/** The Worker: the gateway app, its rate limiter and idempotency records, and the reference engine bound as default origin. */
import app from './app.ts'

export default app
export { RateLimiter } from './ratelimit/limiter.ts'
export { IdempotencyKeys } from './idempotency/record.ts'
export { Engine, EngineTask, EngineRegistry } from './engine/index.ts'
