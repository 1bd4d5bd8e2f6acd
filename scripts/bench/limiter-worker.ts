/**
 * The Worker `npm run bench:ratelimit` loads to measure limiter decisions: one call to a limiter object
 * per request (the gateway's RateLimiter class, bound from the gateway Worker), keyed by `?key=`, and
 * the call's own duration, measured around the RPC, in Server-Timing.
 */
interface Env {
  RATE_LIMITER: {
    getByName(name: string): { decide(request: { windows: { tokens: number; period: number }[] }): Promise<{ allowed: boolean }> }
  }
}

/** Never exhausted during a run, so every decision takes the write path of an admitted request. */
const windows = [
  { tokens: 1_000_000_000, period: 1 },
  { tokens: 1_000_000_000, period: 60 },
]

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const key = new URL(request.url).searchParams.get('key') ?? 'one'
    const started = performance.now()
    const { allowed } = await env.RATE_LIMITER.getByName(`bench/0/${key}`).decide({ windows })
    const elapsed = performance.now() - started
    return new Response(null, { status: allowed ? 200 : 429, headers: { 'Server-Timing': `decide;dur=${elapsed}` } })
  },
}
