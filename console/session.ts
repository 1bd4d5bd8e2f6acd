/**
 * The operator's sign-in: OAuth 2.1 with PKCE through `sops-edge/client`'s pkceLogin, as the console's
 * own client (`GET /oauth/console-client` names it; `npm run dev` registers it, a deployment with
 * `npm run admin -- client add … --console`). The browser goes to BlueKing's login and the consent page
 * and comes back here; this tab's sessionStorage keeps the tokens, never an app secret.
 */
import { type PkceLogin, pkceLogin } from 'sops-edge/client'

/** The console's own address: its client's redirect URI. */
const CONSOLE_URL = new URL('/console/', location.origin).href
/** The task open when the operator pressed Sign in (`#2/12`): a redirect URI has no fragment. */
const RETURN_KEY = 'sops-console.return-to'

/** The console's login, or why there is none. */
export async function consoleLogin(): Promise<PkceLogin | { problem: string }> {
  let res: Response
  try {
    res = await fetch('/oauth/console-client')
  } catch (error) {
    return { problem: `No answer from the gateway: ${error instanceof Error ? error.message : String(error)}` }
  }
  if (res.status === 404) {
    return {
      problem:
        'The console has no OAuth client yet. An operator registers it: ' +
        `npm run admin -- client add console --app <bk_app_code> --redirect-uri ${CONSOLE_URL} --console`,
    }
  }
  const registered = res.ok ? ((await res.json().catch(() => undefined)) as { client_id?: unknown } | undefined) : undefined
  if (typeof registered?.client_id !== 'string') return { problem: `Unexpected answer from the gateway about the console's OAuth client (HTTP ${res.status})` }
  return pkceLogin({ issuer: location.origin, clientId: registered.client_id, redirectUri: CONSOLE_URL })
}

/** Sends the browser to sign in, to come back to the task open now. */
export async function startSignIn(login: PkceLogin): Promise<void> {
  const to = await login.start()
  sessionStorage.setItem(RETURN_KEY, location.hash)
  location.assign(to)
}

/**
 * Back from the consent page (`?code=…&state=…`): signs in, and takes the code out of the address bar
 * at once, back to the task that was open. Says why when the sign-in failed; nothing on other visits.
 */
export async function finishSignIn(login: PkceLogin): Promise<string | undefined> {
  const returned = location.href
  if (!new URL(returned).search) return undefined
  const hash = sessionStorage.getItem(RETURN_KEY) ?? ''
  sessionStorage.removeItem(RETURN_KEY)
  history.replaceState(null, '', `${location.pathname}${hash}`)
  try {
    await login.finish(returned)
    return undefined
  } catch (error) {
    return `Not signed in: ${errorText(error)}`
  }
}

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error))
