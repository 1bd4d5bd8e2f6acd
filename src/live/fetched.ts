/**
 * An origin call made inside the poller, as it crosses back to the Worker: an RPC keeps only an
 * error's message, so the gateway's own error travels as data and is rebuilt on the other side.
 */
import { type ErrorName, GatewayError } from '../lib/errors.ts'
import type { StepTiming, Timings } from '../observability/timing.ts'
import { type OriginReply, type OriginRequest, callOrigin } from '../origin/origin.ts'

export type Fetched = ({ reply: OriginReply } | { error: { name: ErrorName; message: string; logDetail?: string } }) & { origin?: StepTiming }

export async function fetchOrigin(env: Env, call: OriginRequest): Promise<Fetched> {
  const timings: Timings = {}
  try {
    return { reply: await callOrigin(env, call, timings), origin: timings.origin }
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error
    return { error: { name: error.codeName, message: error.message, logDetail: error.logDetail }, origin: timings.origin }
  }
}

/** The reply, or the gateway error the origin call ended in. */
export function replyOf(fetched: Fetched): OriginReply {
  if ('reply' in fetched) return fetched.reply
  const { name, message, logDetail } = fetched.error
  const error = new GatewayError(name, {}, logDetail === undefined ? {} : { logDetail })
  error.message = message
  throw error
}

/** SOPS's status data when the call succeeded. */
export const statusOf = (fetched: Fetched): unknown => ('reply' in fetched && fetched.reply.envelope.result ? fetched.reply.envelope.data : undefined)
