/**
 * Signing a browser in to the gateway without an app secret (README, Front-ends): OAuth 2.1
 * authorization code with PKCE S256, as a public client registered with `npm run admin -- client add`.
 * oauth4webapi does the protocol and its checks (state, issuer, PKCE); this module keeps the verifier
 * across the redirect and the tokens between calls, refreshes the access token when it expires and
 * revokes the grant on sign-out. Part of `sops-edge/client`:
 *
 *   const login = pkceLogin({ issuer: gateway, clientId, redirectUri })
 *   location.assign(await login.start())            // the Sign in button
 *   await login.finish(location.href)               // back at redirectUri
 *   sopsClient(gateway, { accessToken: login.accessToken })
 */
import * as oauth from 'oauth4webapi'
import * as z from 'zod'

/** Where the login keeps its state: the Web Storage API (a tab's sessionStorage by default). */
export interface LoginStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export interface PkceLoginOptions {
  /** The gateway's URL, which issues its tokens: its metadata is at /.well-known/oauth-authorization-server. */
  issuer: string
  /** The client's id, as `client add` printed it. */
  clientId: string
  /** Exactly one of the client's registered redirect URIs: where the browser comes back to. */
  redirectUri: string
  /** Space-separated scope items (`resource:get_task_status biz:2`); by default all the client may have. */
  scope?: string
  /** Default: this tab's sessionStorage, so the tokens go when the tab closes. */
  storage?: LoginStorage
  /** A fetch of your own for the discovery, token and revocation requests. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>
}

/** Refreshed this long before it expires, so that a token never expires on its way to the gateway. */
const EXPIRY_MARGIN_MS = 60_000

const pendingSchema = z.object({ verifier: z.string(), state: z.string() })
const sessionSchema = z.object({ access_token: z.string(), refresh_token: z.string().optional(), expires_at: z.number() })
type Session = z.infer<typeof sessionSchema>

/** Where plain http is allowed: this machine (OAuth 2.1's loopback exception), as `npm run dev` serves. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

function absoluteUrl(name: string, value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`pkceLogin: ${name} must be an absolute URL, not ${JSON.stringify(String(value).slice(0, 100))}`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new TypeError(`pkceLogin: ${name} must be https (plain http only on this machine: localhost, 127.0.0.1)`)
  }
  return url
}

function sessionStorageHere(): LoginStorage {
  const storage = (globalThis as { sessionStorage?: LoginStorage }).sessionStorage
  if (!storage) throw new TypeError('pkceLogin: there is no sessionStorage here; give options.storage')
  return storage
}

/** The OAuth error the gateway answered, in words. */
function refusal(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError) {
    return error.error_description ? `${error.error}: ${error.error_description}` : error.error
  }
  return error instanceof Error ? error.message : String(error)
}

/**
 * A sign-in to the gateway at `options.issuer` as the client `options.clientId`: `start` gives the URL
 * to send the browser to (BlueKing's login, then the consent page), `finish` reads where it came back,
 * `accessToken` is the current token for `sopsClient`, refreshed when it expires, and `signOut`
 * revokes the grant at the gateway's revocation endpoint.
 */
export function pkceLogin(options: PkceLoginOptions) {
  const issuer = absoluteUrl('issuer', options.issuer)
  const redirectUri = absoluteUrl('redirectUri', options.redirectUri).href
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('pkceLogin: clientId is required (client add printed it)')
  const storage = options.storage ?? sessionStorageHere()
  const client: oauth.Client = { client_id: options.clientId }
  const http = {
    [oauth.allowInsecureRequests]: issuer.protocol === 'http:',
    ...(options.fetch && { [oauth.customFetch]: options.fetch }),
  }
  const keys = { pending: `sops-edge.login.${options.clientId}.pending`, session: `sops-edge.login.${options.clientId}.session` }

  let metadata: Promise<oauth.AuthorizationServer> | undefined
  /** The gateway's metadata, read once (again after a failure). */
  const server = () =>
    (metadata ??= oauth
      .discoveryRequest(issuer, { ...http, algorithm: 'oauth2' })
      .then((res) => oauth.processDiscoveryResponse(issuer, res))
      .catch((error: unknown) => {
        metadata = undefined
        throw new Error(`the gateway's OAuth metadata could not be read: ${refusal(error)}`, { cause: error })
      }))

  function read<T>(key: string, schema: z.ZodType<T>): T | undefined {
    const text = storage.getItem(key)
    if (text === null) return undefined
    try {
      return schema.parse(JSON.parse(text))
    } catch {
      storage.removeItem(key) // written by something else: of no use
      return undefined
    }
  }

  function keep(tokens: oauth.TokenEndpointResponse, previous?: Session): Session {
    const session: Session = {
      access_token: tokens.access_token,
      // A refresh token rotates: the new one replaces the old, which the gateway soon refuses.
      refresh_token: tokens.refresh_token ?? previous?.refresh_token,
      // Of unknown lifetime: refreshed at each use.
      expires_at: Date.now() + (tokens.expires_in ?? 0) * 1000,
    }
    storage.setItem(keys.session, JSON.stringify(session))
    return session
  }

  let refreshing: Promise<Session> | undefined
  /** One refresh at a time: two would spend the same rotating refresh token. */
  const refresh = () => (refreshing ??= renew().finally(() => (refreshing = undefined)))

  async function renew(): Promise<Session> {
    const session = read(keys.session, sessionSchema)
    if (!session) throw new Error('not signed in: start() first')
    if (!session.refresh_token) {
      storage.removeItem(keys.session)
      throw new Error('the access token has expired, and the gateway gave no refresh token: sign in again')
    }
    const as = await server()
    try {
      const res = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), session.refresh_token, http)
      return keep(await oauth.processRefreshTokenResponse(as, client, res), session)
    } catch (error) {
      if (!(error instanceof oauth.ResponseBodyError)) throw new Error(`the access token could not be refreshed: ${refusal(error)}`, { cause: error })
      // The gateway refused the refresh token (revoked, expired, superseded): the session is over.
      storage.removeItem(keys.session)
      throw new Error(`the sign-in has ended (${refusal(error)}): sign in again`, { cause: error })
    }
  }

  return {
    /** The URL to send the browser to; the PKCE verifier and the state wait in the storage until `finish`. */
    start: async (): Promise<string> => {
      const as = await server()
      if (!as.authorization_endpoint) throw new Error('the gateway names no authorization endpoint')
      const pending = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState() }
      storage.setItem(keys.pending, JSON.stringify(pending))
      const url = new URL(as.authorization_endpoint)
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        redirect_uri: redirectUri,
        code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        ...(options.scope && { scope: options.scope }),
      }).toString()
      return url.href
    },

    /**
     * Reads the URL the browser came back to: true once signed in, false when it is no sign-in's
     * return (no `code`, no `error`); throws when the gateway refused (Deny, a bad request) or the
     * response is not the one this tab's `start` asked for.
     */
    finish: async (callback: string | URL): Promise<boolean> => {
      const url = new URL(callback)
      if (!url.searchParams.has('code') && !url.searchParams.has('error')) return false
      const pending = read(keys.pending, pendingSchema)
      storage.removeItem(keys.pending) // a verifier serves one exchange
      if (!pending) throw new Error('no sign-in was started in this tab (or it has already finished): start() again')
      const as = await server()
      try {
        const params = oauth.validateAuthResponse(as, client, url, pending.state)
        const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, pending.verifier, http)
        keep(await oauth.processAuthorizationCodeResponse(as, client, res))
        return true
      } catch (error) {
        throw new Error(`the gateway did not sign you in: ${refusal(error)}`, { cause: error })
      }
    },

    /** Whether this storage holds a sign-in (its access token may still need a refresh). */
    signedIn: (): boolean => read(keys.session, sessionSchema) !== undefined,

    /** The access token for the next call (`sopsClient(base, { accessToken: login.accessToken })`), refreshed first when it expires. */
    accessToken: async (): Promise<string> => {
      const session = read(keys.session, sessionSchema)
      if (!session) throw new Error('not signed in: start() first')
      return session.expires_at - EXPIRY_MARGIN_MS > Date.now() ? session.access_token : (await refresh()).access_token
    },

    /** A new access token now, with the refresh token (which rotates). */
    refresh: async (): Promise<void> => void (await refresh()),

    /**
     * Forgets the tokens here and revokes the grant at the gateway (RFC 7009): both tokens are then
     * refused everywhere. Throws when the gateway could not be told.
     */
    signOut: async (): Promise<void> => {
      const session = read(keys.session, sessionSchema)
      storage.removeItem(keys.session)
      if (!session) return
      // Revoking the refresh token revokes its grant, and with it the access token.
      const [token, hint] = session.refresh_token ? [session.refresh_token, 'refresh_token'] : [session.access_token, 'access_token']
      try {
        const as = await server()
        if (!as.revocation_endpoint) throw new Error('the gateway names no revocation endpoint')
        const res = await oauth.revocationRequest(as, client, oauth.None(), token, { ...http, additionalParameters: { token_type_hint: hint } })
        await oauth.processRevocationResponse(res)
      } catch (error) {
        throw new Error(`signed out here, but the gateway could not revoke the token: ${refusal(error)}`, { cause: error })
      }
    },
  }
}

export type PkceLogin = ReturnType<typeof pkceLogin>
