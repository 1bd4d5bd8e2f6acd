/**
 * The Worker `npm run bench:ratelimit` loads to measure the limiter object alone: one call per request
 * to the gateway's RateLimiter (bound from the gateway Worker), keyed by `?key=`, admitting without a
 * lease, and the call's own duration in Server-Timing.
 */

/** Never exhausted during a run, so every decision takes the write path of an admitted request. */
const windows = [
  { tokens: 1_000_000_000, period: 1 },
  { tokens: 1_000_000_000, period: 60 },
]

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const key = new URL(request.url).searchParams.get('key') ?? 'one'
    const started = performance.now()
    const answer = await env.RATE_LIMITER.getByName(`bench/${key}`).acquire({ windows, admit: true })
    const elapsed = performance.now() - started
    const allowed = 'decision' in answer && answer.decision.allowed
    return new Response(null, { status: allowed ? 200 : 429, headers: { 'Server-Timing': `decide;dur=${elapsed}` } })
  },
}
