import { GatewayError } from '../lib/errors.ts'
import { type JwtIdentity, jwtSigner } from './jwt.ts'

/** X-Bkapi-Jwt for the caller, with the configured key (the proxy's calls, and the task poller's polls). */
export async function signIdentity(env: Env, who: JwtIdentity): Promise<string> {
  const { JWT_PRIVATE_KEY, GATEWAY_NAME } = env
  if (!JWT_PRIVATE_KEY) throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'JWT_PRIVATE_KEY is not configured' })
  try {
    return await jwtSigner(JWT_PRIVATE_KEY, GATEWAY_NAME || 'bk-sops').sign(who)
  } catch {
    throw new GatewayError('INTERNAL_SERVER_ERROR', { reason: 'sign jwt failed' })
  }
}
