/**
 * Where the caller's credentials come from, exactly as BlueKing's gateway reads them
 * (bk-apigw-reference §2): the X-Bkapi-Authorization header alone when it is present, otherwise the
 * query string then the JSON body's top-level fields, with bk_token falling back to its cookie. An
 * `Authorization: Bearer` token counts as the header `{"access_token": …}` would (BlueKing's
 * bk-access-token-source plugin), so when X-Bkapi-Authorization is absent it is the only source too.
 */
import { ACCESS_TOKEN_FIELD, spellings } from './fields.ts'

export interface Credentials {
  appCode: string
  appSecret: string
  bkToken: string
  username: string
  /** An OAuth access token (../oauth/): it proves the app and the user by itself. */
  accessToken: string
  /** The access token came as `Authorization: Bearer`, whose refusals are RFC 6750's 401. */
  bearer?: boolean
  /** The bk_token came from the `bk_token` cookie, which a browser adds to cross-site requests too. */
  tokenFromCookie?: boolean
  /** Why the credentials could not be read at all (a malformed header). */
  problem?: string
}

type Source = Record<string, unknown>

const NONE: Credentials = { appCode: '', appSecret: '', bkToken: '', username: '', accessToken: '' }

/** The first of the keys that is present wins; numbers and booleans count, as their text. */
function pick(source: Source, ...keys: string[]): string {
  for (const key of keys) {
    const value = source[key]
    if (value === undefined || value === null) continue
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : ''
  }
  return ''
}

function fromSource(source: Source): Credentials {
  return {
    appCode: pick(source, ...spellings('bk_app_code')),
    appSecret: pick(source, ...spellings('bk_app_secret')),
    // A token must be a JSON string; anything else counts as absent.
    bkToken: typeof source.bk_token === 'string' ? source.bk_token : '',
    username: pick(source, ...spellings('bk_username')),
    accessToken: typeof source[ACCESS_TOKEN_FIELD] === 'string' ? source[ACCESS_TOKEN_FIELD] : '',
  }
}

/** A later source's non-empty values overwrite an earlier one's. */
function merge(earlier: Credentials, later: Credentials): Credentials {
  return {
    appCode: later.appCode || earlier.appCode,
    appSecret: later.appSecret || earlier.appSecret,
    bkToken: later.bkToken || earlier.bkToken,
    username: later.username || earlier.username,
    accessToken: later.accessToken || earlier.accessToken,
  }
}

/** X-Bkapi-Authorization's fields, or null when it is not a JSON object. Parsed once a call, and shared with the log's redactor. */
export function parseAuthorizationHeader(header: string): Record<string, unknown> | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(header)
  } catch {
    return null
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
}

/** Where credentials may be; the query and the cookie are read only when the header is absent. */
export interface CredentialSources {
  /** X-Bkapi-Authorization as parsed, when it is present and not empty. */
  header: Record<string, unknown> | null | undefined
  /** The Authorization header. */
  authorization: string | undefined
  /** The first value of each query parameter. */
  query: () => Record<string, string>
  body: Source
  cookieToken: () => string | undefined
}

const BEARER = /^Bearer +(\S+) *$/i

export function readCredentials({ header, authorization, query, body, cookieToken }: CredentialSources): Credentials {
  if (header === null) return { ...NONE, problem: 'request header X-Bkapi-Authorization is not a valid JSON' }
  if (header) return fromSource(header)
  const bearer = BEARER.exec(authorization ?? '')?.[1]
  if (bearer) return { ...NONE, accessToken: bearer, bearer: true }
  const found = merge(fromSource(query()), fromSource(body))
  if (found.bkToken) return found
  const fromCookie = cookieToken()
  return fromCookie ? { ...found, bkToken: fromCookie, tokenFromCookie: true } : found
}
