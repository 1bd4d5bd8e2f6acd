/**
 * The operator's credentials: in this tab's sessionStorage only (never localStorage), gone when the
 * tab closes or the operator signs out.
 */
import type { Credentials } from 'sops-edge/client'

const KEY = 'sops-console.credentials'

/** What the sign-in form holds, as the client's credentials, or what is missing. */
export function credentialsFrom(form: FormData): Credentials | { problem: string } {
  const field = (name: string) => String(form.get(name) ?? '').trim()
  const app = { bk_app_code: field('bk_app_code'), bk_app_secret: field('bk_app_secret') }
  const [token, username] = [field('bk_token'), field('bk_username')]
  if (!app.bk_app_code || !app.bk_app_secret) return { problem: 'Enter the app code and the app secret.' }
  if (token && username) return { problem: 'Enter a bk_token or a username, not both: a bk_token is never combined with a username.' }
  if (token) return { ...app, bk_token: token }
  if (username) return { ...app, bk_username: username }
  // The login cookie would need the app secret in each status call's URL (a GET has no body).
  return { problem: 'Enter a bk_token, or a username for an app exempt from user verification.' }
}

export function savedCredentials(): Credentials | undefined {
  const saved = sessionStorage.getItem(KEY)
  if (saved === null) return undefined
  try {
    const credentials = JSON.parse(saved) as Credentials
    return typeof credentials.bk_app_code === 'string' && typeof credentials.bk_app_secret === 'string' ? credentials : undefined
  } catch {
    return undefined
  }
}

export const saveCredentials = (credentials: Credentials) => sessionStorage.setItem(KEY, JSON.stringify(credentials))

export const forgetCredentials = () => sessionStorage.removeItem(KEY)

/** Who the console acts as, for the page header (never the secret or the token). */
export const describeCredentials = (c: Credentials) => `App ${c.bk_app_code}, ${c.bk_username ? `user ${c.bk_username}` : 'user of the bk_token'}`
