/** The authorization server, as the gateway reaches it: its AUTH binding, typed by what it implements. */
import type { OAuthService } from './service.ts'

// wrangler types can only call a binding to another Worker a Fetcher.
export const oauthService = (env: Env): OAuthService => env.AUTH as unknown as OAuthService
