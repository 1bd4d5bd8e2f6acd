/** What each pipeline step hands to the next, through Hono's typed context variables. */
import type { Context } from 'hono'
import type { AppRecord, ResourceName } from './credentials/records.ts'
import type { GatewayEnv } from './env.ts'

export interface GatewayVariables {
  /** X-Bkapi-Request-ID of this call (UUID v4). */
  requestId: string
  /** X-Request-ID: the caller's, else the request id without dashes. */
  xRequestId: string
  /** The resource the route serves. */
  resource: ResourceName
  /** The verified app. */
  app: AppRecord
  /** The user the call is made for; verified when it came from a bk_token. */
  user: { username: string; verified: boolean }
}

export interface Gateway {
  Bindings: GatewayEnv
  Variables: GatewayVariables
}

export type GatewayContext = Context<Gateway>
