/**
 * X-Bkapi-Jwt: the identity the origin trusts, signed RS512 exactly as BlueKing's gateway does
 * (bk-apigw-reference §8). The imported key and recently signed tokens are cached per isolate, the
 * tokens by a digest of the identity and within a bound in bytes.
 */
import { BoundedCache, ENTRY_OVERHEAD_BYTES, stringBytes } from '../lib/bounded-cache.ts'
import { sha256Hex } from '../credentials/hash.ts'

export interface JwtIdentity {
  appCode: string
  appVerified: boolean
  username: string
  userVerified: boolean
}

/** BlueKing: nbf = now − 300, exp = now + 1500. */
const NOT_BEFORE_SKEW_S = 300
const LIFETIME_S = 1500
/** A token is reused while it still has at least 900 s (most of its life) left, as BlueKing's 600 s cache. */
const REUSE_FOR_S = 600
const CACHED_TOKENS_MAX_BYTES = 2 * 1024 * 1024

const encoder = new TextEncoder()

export function base64url(bytes: Uint8Array | string): string {
  const raw = typeof bytes === 'string' ? encoder.encode(bytes) : bytes
  let bin = ''
  for (const b of raw) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const b64 = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '')
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n]
  const bytes: number[] = []
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff)
  return [0x80 | bytes.length, ...bytes]
}

const der = (tag: number, body: Uint8Array | number[]) => Uint8Array.from([tag, ...derLength(body.length), ...body])

/** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, the only private form WebCrypto imports. */
function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const version = [0x02, 0x01, 0x00]
  const rsaEncryption = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]
  return der(0x30, [...version, ...rsaEncryption, ...der(0x04, pkcs1)])
}

export function importPrivateKey(pem: string): Promise<CryptoKey> {
  const body = pemBody(pem)
  // A PKCS#1 PEM is labelled RSA PRIVATE KEY, a PKCS#8 one PRIVATE KEY.
  const pkcs8 = pem.includes('RSA PRIVATE KEY') ? pkcs1ToPkcs8(body) : body
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, false, ['sign'])
}

interface CachedToken {
  token: string
  signedAt: number
}

export class JwtSigner {
  readonly #privateKeyPem: string
  /** Imported on first use and kept as the key itself: no request awaits an import another one started. */
  #key: CryptoKey | undefined
  readonly #kid: string
  readonly #tokens = new BoundedCache<CachedToken>(
    CACHED_TOKENS_MAX_BYTES,
    (key, { token }) => stringBytes(key) + stringBytes(token) + ENTRY_OVERHEAD_BYTES,
  )

  constructor(privateKeyPem: string, kid: string) {
    this.#kid = kid
    this.#privateKeyPem = privateKeyPem
  }

  async sign(who: JwtIdentity, nowS = Math.floor(Date.now() / 1000)): Promise<string> {
    const cacheKey = await sha256Hex(JSON.stringify([who.appCode, who.appVerified, who.username, who.userVerified]))
    const cached = this.#tokens.get(cacheKey)
    if (cached && nowS - cached.signedAt < REUSE_FOR_S) return cached.token

    const header = { alg: 'RS512', typ: 'JWT', kid: this.#kid, iat: nowS }
    const payload = {
      iss: 'APIGW',
      nbf: nowS - NOT_BEFORE_SKEW_S,
      exp: nowS + LIFETIME_S,
      app: { version: 1, app_code: who.appCode, verified: who.appVerified, valid_error_message: '' },
      user: { version: 1, username: who.username, verified: who.userVerified, valid_error_message: '' },
    }
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
    this.#key ??= await importPrivateKey(this.#privateKeyPem)
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', this.#key, encoder.encode(signingInput))
    const token = `${signingInput}.${base64url(new Uint8Array(signature))}`

    this.#tokens.set(cacheKey, { token, signedAt: nowS })
    return token
  }
}

let current: { pem: string; kid: string; signer: JwtSigner } | undefined

/**
 * The signer for the configured key, for the life of the isolate. The key PEM is the same string on
 * every request, so comparing it is cheap; a different key (a rotation) replaces the signer.
 */
export function jwtSigner(privateKeyPem: string, kid: string): JwtSigner {
  if (current?.pem !== privateKeyPem || current.kid !== kid) {
    current = { pem: privateKeyPem, kid, signer: new JwtSigner(privateKeyPem, kid) }
  }
  return current.signer
}
