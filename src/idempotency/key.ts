/**
 * The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header): an RFC 9651
 * structured-field string (`"…"`), or the key given bare, as most clients send it.
 */
import { ParseError, parseItem } from 'structured-headers'

export const IDEMPOTENCY_KEY_MAX = 255

/** A bare key: visible ASCII, so two keys folded into one header (`a, b`) are refused, not merged. */
const BARE_KEY = /^[\x21-\x7e]+$/

type ParsedKey = { key: string } | { problem: string }

export function parseIdempotencyKey(header: string): ParsedKey {
  const parsed = header.startsWith('"') ? structuredString(header) : bare(header)
  if ('problem' in parsed) return parsed
  if (parsed.key === '') return { problem: 'must not be empty' }
  if (parsed.key.length > IDEMPOTENCY_KEY_MAX) return { problem: `must be at most ${IDEMPOTENCY_KEY_MAX} characters` }
  return parsed
}

function bare(header: string): ParsedKey {
  if (header === '' || BARE_KEY.test(header)) return { key: header }
  return { problem: 'must be visible ASCII characters without spaces, or a structured-field string ("…")' }
}

/** Parameters on the item are ignored, as RFC 9651 asks of parameters a field does not define. */
function structuredString(header: string): ParsedKey {
  let value: unknown
  try {
    ;[value] = parseItem(header)
  } catch (error) {
    if (!(error instanceof ParseError)) throw error
    return { problem: `is not a valid structured-field string (${error.message})` }
  }
  return typeof value === 'string' ? { key: value } : { problem: 'must be a single structured-field string ("…")' }
}
