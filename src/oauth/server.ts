/** The authorization server, as the gateway reaches it: its AUTH binding, typed by what it implements. */
import { GatewayError } from '../lib/errors.ts'
import type { OAuthService } from './service.ts'

export const UNAVAILABLE = 'the authorization server is unavailable'

// wrangler types can only call a binding to another Worker a Fetcher.
export const oauthService = (env: Env): OAuthService => env.AUTH as unknown as OAuthService

/** What the server answered; a 500 naming it when it could not be reached (never an "unexpected error"). */
export async function askServer<T>(call: Promise<T>): Promise<T> {
  try {
    return await call
  } catch {
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: UNAVAILABLE })
  }
}
