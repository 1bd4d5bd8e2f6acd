/** What each pipeline step hands to the next, through Hono's typed context variables. */
import type { Context } from 'hono'
import type { AppRecord } from '../credentials/records.ts'
import type { StreamSummary } from '../live/counted-stream.ts'
import type { Timings } from '../observability/timing.ts'
import type { Grants } from '../oauth/scope.ts'
import type { ResourceName } from '../resources/table.ts'

export interface GatewayVariables {
  /** X-Bkapi-Request-ID of this call (UUID v4). */
  requestId: string
  /** X-Request-ID: the caller's when it is short and safe, else the request id without dashes. */
  xRequestId: string
  /** What each step took and which tier answered (Server-Timing). */
  timings: Timings
  /** The resource the route serves. */
  resource: ResourceName
  /** The request body's top-level fields, read once within the size limit. */
  body: Record<string, unknown>
  /** The validated parameters of the call (the resource's schema output). */
  input: ValidatedInput
  /** The call's Idempotency-Key, when it has one (src/middleware/idempotency.ts). */
  idempotencyKey?: string
  /** X-Bkapi-Authorization's fields (null: not a JSON object), parsed once by authenticate() and read again by the access log. */
  authorizationFields: Record<string, unknown> | null
  /** The verified app. */
  app: AppRecord
  /** An access token's scope: what the call may do within the app's grants (src/oauth/scope.ts). */
  tokenScope?: Grants
  /** The user the call is made for; verified when it came from a bk_token. */
  user: { username: string; verified: boolean }
  /** Size of a request body sent without Content-Length, as read (for the access log). */
  bodyBytes: number
  /** What the origin's envelope said, as the proxy read it (for the access log). */
  originAnswer: { result: boolean; code: number; message: string }
  /** What the log should know and the caller not, on a call that went on (e.g. the limiter failed open). */
  logDetail: string
  /** A stream's events and duration once it ends: its access-log line waits for them (src/middleware/watch.ts). */
  stream: Promise<StreamSummary>
}

/** The ids a resource's validated input may carry (get_user_project_list has none). */
export interface ValidatedInput {
  bk_biz_id?: string
  task_id?: number
  scope?: 'cmdb_biz' | 'project'
  [field: string]: unknown
}

export interface Gateway {
  Bindings: Env
  Variables: GatewayVariables
}

export type GatewayContext = Context<Gateway>
