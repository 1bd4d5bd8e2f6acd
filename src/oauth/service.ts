/**
 * What the gateway asks of the authorization server (../../auth/, its own Worker, bound as AUTH), and
 * what it lends the server for one call. The server implements this; the gateway never imports the
 * server's code, so the OAuth library stays out of the gateway's bundle.
 */
import type { ValidClient } from './clients.ts'

export interface GrantRef {
  userId: string
  grantId: string
}

/** What only the gateway knows and does, lent to the authorization pages for one call. */
export interface GatewaySide {
  /** The BlueKing user the request's bk_token cookie names, checked against the token store; or null. */
  user: string | null
  /** Whether the app exists and is enabled. */
  appUsable(appCode: string): Promise<boolean>
  /** Tells every isolate, through the credential feed, of grants and tokens just revoked. */
  revoked(grants: GrantRef[], tokens: string[]): Promise<void>
}

/** What a valid access token proves. */
export interface ValidToken {
  appCode: string
  username: string
  scope: string[]
  /** Unix time in milliseconds. */
  expiresAt: number
}

export interface ListedClient {
  client_id: string
  name: string
  redirect_uris: string[]
  bk_app_code?: string
  scope?: string[]
}

export interface OAuthService {
  /** Discovery (RFC 8414), the console's client id and the development login page. */
  fetch(request: Request): Promise<Response>
  /** The authorization page (GET) and the user's decision (POST). */
  authorize(request: Request, side: GatewaySide): Promise<Response>
  /** The token endpoint: codes with PKCE, refresh tokens, and revocation (RFC 7009). */
  token(request: Request, side: Pick<GatewaySide, 'revoked'>): Promise<Response>
  /** The token's grant when it is valid for `origin` (the issuer it must come from), else null. */
  validate(origin: string, token: string): Promise<ValidToken | null>
  /** The new client's id; a message the library gave for a redirect URI it refuses, as an error. */
  addClient(client: ValidClient): Promise<string>
  listClients(): Promise<ListedClient[]>
  /** Removes the client and revokes its grants; null when there is no such client. */
  removeClient(clientId: string): Promise<GrantRef[] | null>
  /** Revokes the client's grants, of one user or of all. */
  revokeGrants(clientId: string, username?: string): Promise<GrantRef[]>
}
