/**
 * The caller's IP, for the admin audit and the per-client budget of app lookups. Cloudflare's edge sets
 * CF-Connecting-IP on every request it hands a Worker, replacing whatever the client sent, so deployed
 * it can be believed. Locally nothing replaces it: Miniflare fills it in only when the client sent none,
 * and gives every request a stand-in `request.cf`, so neither tells a local run from a deployed one.
 * Hence a var: TRUST_CF_CONNECTING_IP "true" (wrangler.toml, for deployment) believes the header;
 * anything else, as local development sets, gives no IP rather than one a client chose.
 */
import { perEnv, varOr } from './vars.ts'

const trusted = perEnv((env) => varOr(env, 'TRUST_CF_CONNECTING_IP', 'false') === 'true')

export const clientIp = (request: Request, env: Env): string | null =>
  trusted(env) ? (request.headers.get('CF-Connecting-IP') ?? null) : null
