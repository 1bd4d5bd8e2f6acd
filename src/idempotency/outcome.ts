/** The first call's answer, as kept for replays, and a replay made from it. */
import { GatewayError, errorResponse, jsonResponse } from '../lib/errors.ts'
import type { StoredOutcome } from './record.ts'

/** What a caller needs again; request ids, rate-limit and timing headers belong to each call. */
const KEPT_HEADERS = ['Sops-Trace-Id', 'X-Bkapi-Error-Code', 'X-Bkapi-Error-Message']

/** SOPS answers its operations in a few hundred bytes; an answer past this is not kept whole. */
const MAX_KEPT_CHARS = 256 * 1024

const REPLAYED = { 'Idempotent-Replayed': 'true' }

/** The outcome of a call whose answer (every body the gateway sends is an envelope) was `body`. */
export function outcomeOf(status: number, headers: Headers, body: string): StoredOutcome {
  if (body.length > MAX_KEPT_CHARS) {
    const error = tooLargeToKeep(body.length)
    return { status: error.status, headers: kept(errorResponse(error, '').headers), envelope: { ...error.envelope('') } }
  }
  return { status, headers: kept(headers), envelope: JSON.parse(body) as Record<string, unknown> }
}

function kept(headers: Headers): Record<string, string> {
  const values: Record<string, string> = {}
  for (const name of KEPT_HEADERS) {
    const value = headers.get(name)
    if (value !== null) values[name] = value
  }
  return values
}

const tooLargeToKeep = (chars: number) =>
  new GatewayError('BAD_GATEWAY', {
    upstream_error: `the first answer to this Idempotency-Key (${chars} characters) was too large to keep for replays`,
  })

/** The stored answer, with this call's request_id as every envelope must carry (CONTRACT §6). */
export const replay = (outcome: StoredOutcome, requestId: string) =>
  jsonResponse(outcome.status, { ...outcome.envelope, request_id: requestId }, { ...outcome.headers, ...REPLAYED })

/**
 * The answer for a key whose first call was presumed lost: it may or may not have reached SOPS, like
 * a timeout; the caller checks get_task_status before retrying under a new key.
 */
export const outcomeUnknown = () =>
  new GatewayError(
    'REQUEST_BACKEND_TIMEOUT',
    { upstream_error: 'the first call with this Idempotency-Key never reported its outcome; check get_task_status before using a new key' },
    { headers: REPLAYED },
  )
