/**
 * Idempotency-Key on the resources that change a task (the POST resources; CONTRACT §6). The header is
 * read with the other parameters (./validate.ts), so a malformed key is refused (3540000) before any
 * quota is spent. This step runs after the rate limit, right before the proxy: the first call with a
 * key has passed every check, claims the key and runs; a repeat passes the same checks (a revoked app
 * reads no replay, a flood of replays is rate-limited) and gets the stored answer, never the origin.
 *
 * A call without the header costs nothing here: no object is asked.
 */
import type { MiddlewareHandler, Next } from 'hono'
import type { Gateway, GatewayContext } from './context.ts'
import { background } from '../lib/background.ts'
import { GatewayError } from '../lib/errors.ts'
import { type KeyRecord, StoreUnavailable, keyRecord } from '../idempotency/client.ts'
import { idempotencyConfig, inFlightMs } from '../idempotency/config.ts'
import { originTimeoutMs } from '../origin/origin.ts'
import { fingerprint } from '../idempotency/fingerprint.ts'
import { outcomeOf, outcomeUnknown, replay } from '../idempotency/outcome.ts'

export const idempotency = (): MiddlewareHandler<Gateway> => (c, next) => {
  const key = c.get('idempotencyKey')
  return key === undefined ? next() : once(c, next, key)
}

async function once(c: GatewayContext, next: Next, key: string): Promise<Response | undefined> {
  const config = idempotencyConfig(c.env)
  const record = await keyRecord(c.env.IDEMPOTENCY_KEYS, c.get('app').bk_app_code, key, config.timeoutMs)
  const token = crypto.randomUUID()
  const request = { resource: c.get('resource'), user: c.get('user').username, input: c.get('input') }
  const claim = { fingerprint: await fingerprint(request), token, inFlightMs: inFlightMs(originTimeoutMs(c.env), config), ttlMs: config.ttlMs }

  const timings = c.get('timings')
  const started = performance.now()
  let claimed
  try {
    claimed = await record.claim(claim)
  } catch (error) {
    if (!(error instanceof StoreUnavailable)) throw error
    // The claim may have landed all the same: free it, or the key would soon read as lost. In the
    // background: the 500 need not wait on a store that just failed.
    background(c)(record.release(token))
    timings.idempotency = { desc: 'unavailable', dur: performance.now() - started }
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'idempotency store unavailable' }, { logDetail: error.message })
  }
  const timing = (timings.idempotency = { desc: claimed.status, dur: performance.now() - started })
  switch (claimed.status) {
    case 'replay': {
      // For the access log: what SOPS answered the first time (a stored gateway error names itself in its headers).
      const { result, code, message } = claimed.outcome.envelope
      if (typeof result === 'boolean' && typeof code === 'number') c.set('originAnswer', { result, code, message: String(message ?? '') })
      return replay(claimed.outcome, c.get('requestId'))
    }
    case 'lost':
      throw outcomeUnknown()
    case 'in-flight':
      throw new GatewayError('IDEMPOTENCY_KEY_IN_USE', {}, { headers: { 'Retry-After': '1' } })
    case 'reused':
      throw new GatewayError('IDEMPOTENCY_KEY_REUSED')
  }
  await next()
  const settling = performance.now()
  await settle(c, record, token)
  timing.dur += performance.now() - settling
}

/**
 * After the call: an answer that may have come from the origin (or a 502/504 on the way) is kept as
 * it ended; a call that never left the edge frees the key, so a corrected retry can run. If the store
 * fails here the caller still gets the real answer, and the key reads as lost once its bound passes:
 * never as free.
 */
async function settle(c: GatewayContext, record: KeyRecord, token: string): Promise<void> {
  try {
    // The proxy step records the origin's timing as soon as it has called the origin (src/origin/origin.ts).
    if (c.get('timings').origin === undefined) return await record.release(token)
    const body = await c.res.text()
    c.res = new Response(body, c.res)
    if (!(await record.complete(token, outcomeOf(c.res.status, c.res.headers, body)))) {
      console.warn('idempotency: outcome not stored, the claim had expired')
    }
  } catch (error) {
    console.error(`idempotency: claim not settled: ${error instanceof Error ? error.message : String(error)}`)
  }
}
