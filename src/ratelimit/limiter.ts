import { DurableObject } from 'cloudflare:workers'

/** Placeholder until the limiter (issue 4) lands. */
export class RateLimiter extends DurableObject {}
