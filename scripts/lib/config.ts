/**
 * What the scripts need of the two Workers' configurations: the gateway's name and compatibility date,
 * the gateway name, the CREDENTIALS namespace and the `[dev]` address (wrangler.toml), and the engine
 * Worker's name (engine/wrangler.toml), which local development binds to the gateway as ENGINE. Read
 * with a TOML parser rather than wrangler's own reader, which takes a second to import: most admin
 * commands need nothing else of wrangler.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'smol-toml'
import * as z from 'zod'
import { UserError } from './errors.ts'
import { ENGINE_CONFIG, WRANGLER_CONFIG } from './state.ts'

export const CREDENTIALS_BINDING = 'CREDENTIALS'
/** The service binding through which the gateway reaches the reference engine. */
export const ENGINE_BINDING = 'ENGINE'

const configSchema = z.object({
  name: z.string().min(1),
  compatibility_date: z.string(),
  vars: z.record(z.string(), z.unknown()).default({}),
  kv_namespaces: z.array(z.object({ binding: z.string(), id: z.string() })).default([]),
  dev: z.object({ port: z.int().min(1).max(65_535).optional(), ip: z.string().optional() }).default({}),
})

export interface WorkerConfig {
  name: string
  compatibilityDate: string
  /** The `kid` of the gateway's X-Bkapi-Jwt, as src/origin/identity.ts defaults it. */
  gatewayName: string
  credentialsNamespaceId: string
  /** The engine Worker's name: the service of the ENGINE binding. */
  engineName: string
  dev: { port?: number; ip?: string }
}

let cached: WorkerConfig | undefined

export function workerConfig(): WorkerConfig {
  return (cached ??= readConfig())
}

function readToml<T extends z.ZodType>(path: string, schema: T): z.output<T> {
  let parsed
  try {
    parsed = schema.safeParse(parse(readFileSync(path, 'utf8')))
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`)
  }
  if (!parsed.success) throw new UserError(`${path} is not as expected: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

function readConfig(): WorkerConfig {
  const { name, compatibility_date, vars, kv_namespaces, dev } = readToml(WRANGLER_CONFIG, configSchema)
  const credentials = kv_namespaces.find((ns) => ns.binding === CREDENTIALS_BINDING)
  if (!credentials) throw new UserError(`${WRANGLER_CONFIG} has no KV namespace bound as ${CREDENTIALS_BINDING}`)
  const gatewayName = typeof vars.GATEWAY_NAME === 'string' && vars.GATEWAY_NAME !== '' ? vars.GATEWAY_NAME : 'bk-sops'
  return {
    name,
    compatibilityDate: compatibility_date,
    gatewayName,
    credentialsNamespaceId: credentials.id,
    engineName: readToml(ENGINE_CONFIG, z.object({ name: z.string().min(1) })).name,
    dev,
  }
}
