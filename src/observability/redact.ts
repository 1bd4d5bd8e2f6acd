/**
 * The second guard of the access log: the line is built only from validated values
 * (../middleware/access-line.ts), and on top of that no text in it may hold a credential the call
 * carried — wherever the caller put it (an X-Request-ID, a username, a path) — or anything shaped like
 * a JWT.
 */
import { IDENTITY_SPELLINGS } from '../credentials/fields.ts'

/** Request fields (query, body) whose values are or may be credentials, whatever the caller names them. */
const CREDENTIAL_KEY = /secret|token|signature|passw|jwt|authoriz|session|cookie|api_?key|credential/i
/**
 * A URL's query parameter named like a credential (`?bk_app_secret=…`, `&access_token=…`), up to its
 * value: the value is what goes, wherever such a URL turns up in a text.
 */
const CREDENTIAL_PARAM = new RegExp(`([?&;][^=&#\\s]*(?:${CREDENTIAL_KEY.source})[^=&#\\s]*=)[^&;#\\s"']*`, 'gi')
/** A JWT (or any JWS): base64url JSON header, payload, signature. */
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g
/** Shorter credentials are withheld where they are a whole value, not searched for inside texts. */
const MIN_SEARCHED_LENGTH = 8

export const REDACTED = '[redacted]'

interface CredentialSources {
  /** X-Bkapi-Authorization, as sent and as parsed (null: not a JSON object). */
  bkapiAuthorization: { text: string; fields: Record<string, unknown> | null } | undefined
  authorization: string | undefined
  cookie: string | undefined
  query: Record<string, string>
  /** The body's top-level fields, when it was read. */
  body: Record<string, unknown> | undefined
}

const asText = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '')

/** Every value in the request that is, or may be, a credential. */
export function credentialsIn(sources: CredentialSources): string[] {
  const found: string[] = []
  const add = (value: unknown) => {
    const text = asText(value)
    if (text !== '') found.push(text)
  }
  const { bkapiAuthorization, authorization, cookie, query, body } = sources
  if (bkapiAuthorization) {
    add(bkapiAuthorization.text)
    const { fields } = bkapiAuthorization
    // Fields that name who calls are shown; every other one is treated as a credential.
    if (fields) for (const key in fields) if (!IDENTITY_SPELLINGS.has(key)) add(fields[key])
  }
  if (authorization) {
    add(authorization)
    add(authorization.replace(/^\S+\s+/, ''))
  }
  if (cookie) {
    add(cookie)
    for (const pair of cookie.split(';')) add(pair.slice(pair.indexOf('=') + 1).trim())
  }
  for (const key in query) if (CREDENTIAL_KEY.test(key)) add(query[key])
  if (body) for (const key in body) if (CREDENTIAL_KEY.test(key)) add(body[key])
  return found
}

/** The text with the value of every credential-named query parameter withheld. */
export const withoutCredentialParams = (text: string) => (text.includes('=') ? text.replace(CREDENTIAL_PARAM, `$1${REDACTED}`) : text)

/**
 * A function that takes out of a text every one of these credentials, every credential-named query
 * parameter's value, and anything shaped like a JWT. Each pattern runs only on a text that can hold it.
 */
export function redactor(credentials: string[]): (text: string) => string {
  const searched = credentials.filter((c) => c.length >= MIN_SEARCHED_LENGTH)
  const whole = new Set(credentials)
  return (text) => {
    if (whole.has(text)) return REDACTED
    let clean = text
    for (const credential of searched) if (clean.includes(credential)) clean = clean.replaceAll(credential, REDACTED)
    clean = withoutCredentialParams(clean)
    return clean.includes('eyJ') ? clean.replace(JWT, REDACTED) : clean
  }
}
