/**
 * The X-Bkapi-Jwt check SOPS makes (apigw-manager, bk-apigw-reference §8.2), with Hono's JWT verifier:
 * RSA signature with the gateway's public key, `exp` and `nbf` without leeway; `iss`, `aud` and `iat`
 * are not checked.
 */
import { decode, verify } from 'hono/jwt'

export interface JwtClaims {
  app?: { app_code?: unknown; verified?: unknown }
  user?: { username?: unknown; verified?: unknown }
}

/** The algorithms apigw-manager accepts; the token's header names one. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512'] as const
type Algorithm = (typeof ALGORITHMS)[number]
const isAccepted = (alg: unknown): alg is Algorithm => ALGORITHMS.includes(alg as Algorithm)

/** The token's claims when it is valid now, else null (any malformation included). */
export async function verifyJwt(token: string, publicKeyPem: string): Promise<JwtClaims | null> {
  try {
    const { alg } = decode(token).header
    if (!isAccepted(alg)) return null
    return (await verify(token, publicKeyPem, { alg, iat: false })) as JwtClaims
  } catch {
    return null
  }
}
