/**
 * What the scripts need of wrangler.toml: the Worker's name and compatibility date, the gateway name,
 * the CREDENTIALS namespace, the ENGINE service and the `[dev]` address. Read with a TOML parser rather
 * than wrangler's own reader, which takes a second to import: most admin commands need nothing else of
 * wrangler.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'smol-toml'
import { z } from 'zod'
import { UserError } from './errors.ts'
import { WRANGLER_CONFIG } from './state.ts'

export const CREDENTIALS_BINDING = 'CREDENTIALS'
/** The service binding through which the gateway reaches the reference engine. */
export const ENGINE_BINDING = 'ENGINE'

const configSchema = z.object({
  name: z.string().min(1),
  compatibility_date: z.string(),
  vars: z.record(z.string(), z.unknown()).default({}),
  kv_namespaces: z.array(z.object({ binding: z.string(), id: z.string() })).default([]),
  services: z.array(z.object({ binding: z.string(), service: z.string(), entrypoint: z.string().optional() })).default([]),
  dev: z.object({ port: z.int().min(1).max(65_535).optional(), ip: z.string().optional() }).default({}),
})

export interface WorkerConfig {
  name: string
  compatibilityDate: string
  /** The `kid` of the gateway's X-Bkapi-Jwt, as src/proxy.ts defaults it. */
  gatewayName: string
  credentialsNamespaceId: string
  /** The Worker and entrypoint of the ENGINE binding (the `Engine` entrypoint of this same Worker). */
  engine: { service: string; entrypoint?: string }
  dev: { port?: number; ip?: string }
}

let cached: WorkerConfig | undefined

export function workerConfig(): WorkerConfig {
  return (cached ??= readConfig())
}

function readConfig(): WorkerConfig {
  let parsed
  try {
    parsed = configSchema.safeParse(parse(readFileSync(WRANGLER_CONFIG, 'utf8')))
  } catch (err) {
    throw new UserError(`cannot read ${WRANGLER_CONFIG}: ${(err as Error).message}`)
  }
  if (!parsed.success) throw new UserError(`${WRANGLER_CONFIG} is not as expected: ${z.prettifyError(parsed.error)}`)
  const { name, compatibility_date, vars, kv_namespaces, services, dev } = parsed.data
  const credentials = kv_namespaces.find((ns) => ns.binding === CREDENTIALS_BINDING)
  if (!credentials) throw new UserError(`${WRANGLER_CONFIG} has no KV namespace bound as ${CREDENTIALS_BINDING}`)
  const engine = services.find((service) => service.binding === ENGINE_BINDING)
  if (!engine) throw new UserError(`${WRANGLER_CONFIG} has no service bound as ${ENGINE_BINDING}`)
  const gatewayName = typeof vars.GATEWAY_NAME === 'string' && vars.GATEWAY_NAME !== '' ? vars.GATEWAY_NAME : 'bk-sops'
  return {
    name,
    compatibilityDate: compatibility_date,
    gatewayName,
    credentialsNamespaceId: credentials.id,
    engine,
    dev,
  }
}
