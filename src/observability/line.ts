/**
 * The access-log line: exactly one per call (docs/observability.md). This schema is the one list of its
 * fields; the builder (../middleware/access-line.ts) fills exactly these and the tests parse every line
 * with it. Every field is an id, a name, a number or a bounded text the gateway made: never a header, a
 * query, a cookie or a body.
 */
import * as z from 'zod'
import { RESOURCE_NAMES } from '../resources/table.ts'
import { ERRORS, type ErrorName } from '../lib/errors.ts'

/**
 * `code_name` of every call: the gateway's own error, or the origin's answer — `OK`, or `ORIGIN_ERROR`
 * when SOPS answered `result: false` (its code is then in `code`).
 */
const CODE_NAMES = [...(Object.keys(ERRORS) as ErrorName[]), 'OK', 'ORIGIN_ERROR'] as const

/** Milliseconds, to 0.1; null for a step the call did not reach. */
const ms = z.number().nonnegative()

export const accessLineSchema = z.strictObject({
  /** Always `access`: tells this line from anything else the Worker prints. */
  log: z.literal('access'),
  /** `POST /api/… 200 OK 12.3ms my_app`: what the dashboard lists, and what `npm run dev` prints. */
  message: z.string(),
  /** When the call arrived (ISO 8601, UTC). */
  time: z.iso.datetime(),
  /** X-Bkapi-Request-ID: made by the gateway, returned to the caller, sent to SOPS. */
  request_id: z.uuid(),
  /** X-Request-ID: the caller's (when short and safe) or made from the request id; sent to SOPS. */
  x_request_id: z.string(),
  /** The trace id of the caller's `traceparent`, when it is valid W3C trace context. */
  trace_id: z.string().nullable(),
  /** SOPS's own trace id of the call (its `Sops-Trace-Id`), to follow the call into SOPS's logs. */
  sops_trace_id: z.string().nullable(),
  method: z.string(),
  /** The URL's path; never its query, which may hold ESB credentials. */
  path: z.string(),
  resource: z.enum(RESOURCE_NAMES).nullable(),
  /** Which BlueKing URL form was called. */
  url_form: z.enum(['esb', 'gateway']).nullable(),
  /** The verified app; a call refused before its app was verified has none. */
  app: z.string().nullable(),
  user: z.string().nullable(),
  /** True for a user from a bk_token, false for a bare bk_username (apps exempt from user checks). */
  user_verified: z.boolean().nullable(),
  /** The validated parameters: null when the call was refused before validation. */
  bk_biz_id: z.string().nullable(),
  scope: z.enum(['cmdb_biz', 'project']).nullable(),
  task_id: z.number().int().nullable(),
  action: z.string().nullable(),
  node_id: z.string().nullable(),
  status: z.number().int(),
  /** The gateway's error code, or SOPS's envelope code; null when neither answered. */
  code: z.number().int().nullable(),
  code_name: z.enum(CODE_NAMES).nullable(),
  /** The gateway's error message, or SOPS's on `result: false`. */
  error_message: z.string().nullable(),
  /** The origin's HTTP status, when it answered. */
  origin_status: z.number().int().nullable(),
  /** Why the origin gave no answer. */
  origin_error: z.enum(['timeout', 'unreachable']).nullable(),
  /** What the caller never sees about an error: what a misbehaving origin said, why a store failed. */
  detail: z.string().nullable(),
  /** An unexpected fault (the caller got a bare 500): the error and its stack. */
  exception: z.string().nullable(),
  /** The same durations and tiers as Server-Timing. */
  auth_ms: ms.nullable(),
  auth_tier: z.string().nullable(),
  ratelimit_ms: ms.nullable(),
  ratelimit_tier: z.string().nullable(),
  origin_ms: ms.nullable(),
  total_ms: ms,
  /** An Idempotency-Key replay answered, not the origin (`Idempotent-Replayed: true`). */
  replayed: z.boolean(),
  /** Size of the request body: its Content-Length, or what was read; null when unknown. */
  bytes_in: z.number().int().nonnegative().nullable(),
  /** Size of the response body; null when unknown. */
  bytes_out: z.number().int().nonnegative().nullable(),
  /** Cloudflare data centre that ran the call (`request.cf.colo`). */
  colo: z.string().nullable(),
  /** A status stream (watch_task_status), logged when it ends: the events it sent, and how long it was open. */
  stream_events: z.number().int().nonnegative().nullable(),
  stream_ms: ms.nullable(),
  /** What the METRICS binding threw, when it failed (the call did not). */
  metrics_error: z.string().nullable(),
  /** LOG_SAMPLE_RATE this line was kept under: 1 for errors, which are always logged. */
  sample_rate: z.number().min(0).max(1),
})

export type AccessLine = z.infer<typeof accessLineSchema>
