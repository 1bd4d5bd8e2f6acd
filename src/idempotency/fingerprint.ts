import stringify from 'safe-stable-stringify'
import { sha256Hex } from '../credentials/hash.ts'

/** What makes two calls with one key the same request. */
interface RequestIdentity {
  resource: string
  /** The user the call is made for (it is in the JWT the origin receives), never a credential. */
  user: string
  /** The validated parameters: what the origin is asked to do, whichever URL form carried them. */
  input: Record<string, unknown>
}

/**
 * A digest of the request: object keys sorted at every level, so `{"a":1,"b":2}` and `{"b":2,"a":1}`
 * are one request, and hashed so a record stays small whatever the parameters.
 */
export const fingerprint = (request: RequestIdentity) => sha256Hex(stringify(request))
