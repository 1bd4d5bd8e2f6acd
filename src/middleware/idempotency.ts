/**
 * Idempotency-Key on the resources that change a task (the POST resources; CONTRACT §6), in two steps:
 *
 * - `idempotencyKey` reads the header beside the other parameters, so a malformed key is refused
 *   (3540000) before any quota is spent;
 * - `idempotency` runs after the rate limit, right before the proxy. The first call with a key has
 *   passed every check, claims the key and runs; a repeat passes the same checks (a revoked app reads
 *   no replay, a flood of replays is rate-limited) and gets the stored answer, never the origin.
 *
 * A call without the header costs nothing here: no object is asked.
 */
import type { MiddlewareHandler } from 'hono'
import type { Gateway, GatewayContext } from '../context.ts'
import { GatewayError, invalidParameters } from '../errors.ts'
import { type KeyRecord, StoreUnavailable, keyRecord } from '../idempotency/client.ts'
import { idempotencyConfig } from '../idempotency/config.ts'
import { fingerprint } from '../idempotency/fingerprint.ts'
import { parseIdempotencyKey } from '../idempotency/key.ts'
import { outcomeOf, outcomeUnknown, replay } from '../idempotency/outcome.ts'
import type { Resource } from '../resources.ts'

export const idempotencyKey =
  (resource: Resource): MiddlewareHandler<Gateway> =>
  async (c, next) => {
    const header = resource.method === 'post' ? c.req.header('Idempotency-Key') : undefined
    if (header !== undefined) {
      const parsed = parseIdempotencyKey(header)
      if ('problem' in parsed) throw invalidParameters([{ path: 'Idempotency-Key', message: parsed.problem }])
      c.set('idempotencyKey', parsed.key)
    }
    await next()
  }

export const idempotency = (): MiddlewareHandler<Gateway> => async (c, next) => {
  const key = c.get('idempotencyKey')
  if (key === undefined) return next()
  const config = idempotencyConfig(c.env)
  const record = await keyRecord(c.env.IDEMPOTENCY_KEYS, c.get('app').bk_app_code, key, config.timeoutMs)
  const token = crypto.randomUUID()
  const request = { resource: c.get('resource'), user: c.get('user').username, input: c.get('input') }
  const claim = { fingerprint: await fingerprint(request), token, inFlightMs: config.inFlightMs, ttlMs: config.ttlMs }

  const timings = c.get('timings')
  const started = performance.now()
  let claimed
  try {
    claimed = await record.claim(claim)
  } catch (error) {
    if (!(error instanceof StoreUnavailable)) throw error
    // The claim may have landed all the same: free it, or the key would soon read as lost.
    await record.release(token).catch(() => undefined)
    timings.idempotency = { desc: 'unavailable', dur: performance.now() - started }
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'idempotency store unavailable' }, { logDetail: error.message })
  }
  const timing = (timings.idempotency = { desc: claimed.status, dur: performance.now() - started })
  switch (claimed.status) {
    case 'replay':
      return replay(claimed.outcome, c.get('requestId'))
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
    // The proxy step records the origin's timing as soon as it has called the origin (src/origin.ts).
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
