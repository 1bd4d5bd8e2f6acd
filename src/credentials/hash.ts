/**
 * How secrets and tokens are turned into what KV stores. WebCrypto only, so the same functions run
 * in the Worker and in the admin CLI on Node.
 */
const encoder = new TextEncoder()

/** Each byte's two hex digits, looked up: a digest on every call makes this hot. */
const HEX_DIGITS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

function toHex(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf)
  let hex = ''
  for (let i = 0; i < bytes.length; i++) hex += HEX_DIGITS[bytes[i]!]
  return hex
}

/** The pepper's key, imported once: the key itself, so no request awaits an import another one started. */
let imported: { pepper: string; key: CryptoKey } | undefined

async function hmacKey(pepper: string): Promise<CryptoKey> {
  if (imported?.pepper !== pepper) {
    const key = await crypto.subtle.importKey('raw', encoder.encode(pepper), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    imported = { pepper, key }
  }
  return imported.key
}

/**
 * HMAC-SHA-256 under the server-side pepper, bound to the app code so one app's hash is useless for
 * another. A KV dump alone does not allow an offline guess of the secrets.
 */
export async function secretHash(pepper: string, bkAppCode: string, secret: string): Promise<string> {
  return hmacHex(pepper, `${bkAppCode}\n${secret}`)
}

/**
 * One HMAC of a whole set of credentials, under the pepper: what the isolate recognises a set it has
 * verified before by (./store.ts). Kept in memory only, never written anywhere.
 */
export async function credentialSetHash(pepper: string, credentials: readonly string[]): Promise<string> {
  return hmacHex(pepper, JSON.stringify(credentials))
}

async function hmacHex(pepper: string, text: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(pepper), encoder.encode(text)))
}

/** SHA-256 of the text's UTF-8 bytes, as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}

export const tokenHash = sha256Hex
