/**
 * The X-Bkapi-Jwt check SOPS makes (apigw-manager, bk-apigw-reference §8.2): RSA signature with the
 * gateway's public key, `exp` and `nbf` without leeway; `iss` and `aud` are not checked.
 */
export interface JwtClaims {
  app?: { app_code?: unknown; verified?: unknown }
  user?: { username?: unknown; verified?: unknown }
  exp?: unknown
  nbf?: unknown
}

const HASH_OF_ALG: Record<string, string> = { RS256: 'SHA-256', RS384: 'SHA-384', RS512: 'SHA-512' }

const keys = new Map<string, Promise<CryptoKey>>()

function publicKey(pem: string, hash: string): Promise<CryptoKey> {
  const id = `${hash}\n${pem}`
  let key = keys.get(id)
  if (!key) {
    const der = base64Decode(pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, ''))
    key = crypto.subtle.importKey('spki', der, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify'])
    keys.set(id, key)
  }
  return key
}

function base64Decode(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))
}

function base64UrlDecode(part: string): Uint8Array {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/')
  return base64Decode(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
}

function decodeJson(part: string): unknown {
  return JSON.parse(new TextDecoder().decode(base64UrlDecode(part)))
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The token's claims when it is valid now, else null (any malformation included). */
export async function verifyJwt(token: string, publicKeyPem: string, nowS = Math.floor(Date.now() / 1000)): Promise<JwtClaims | null> {
  try {
    const [header, payload, signature, ...rest] = token.split('.')
    if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) return null
    const head = decodeJson(header)
    const hash = isObject(head) && typeof head.alg === 'string' ? HASH_OF_ALG[head.alg] : undefined
    if (!hash) return null
    const valid = await crypto.subtle.verify(
      'RSASSA-PKCS1-v1_5',
      await publicKey(publicKeyPem, hash),
      base64UrlDecode(signature),
      new TextEncoder().encode(`${header}.${payload}`),
    )
    const claims = decodeJson(payload)
    if (!valid || !isObject(claims)) return null
    if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp <= nowS)) return null
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowS)) return null
    return claims as JwtClaims
  } catch {
    return null
  }
}
