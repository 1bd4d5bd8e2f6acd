/** The gateway Worker, exactly as deployed: the app and its Durable Objects (wrangler.toml). */
import app from './http/app.ts'

export default app
export { CredentialFeed } from './credentials/feed-object.ts'
export { RateLimiter } from './ratelimit/limiter.ts'
export { IdempotencyKeys } from './idempotency/record.ts'
export { TaskPoller } from './live/poller.ts'
