/**
 * The three Workers' configurations as `npm run dev` serves them, written into the state's .wrangler and
 * never committed: the gateway's wrangler.toml with the reference engine bound as ENGINE (and the
 * client's CF-Connecting-IP not believed), engine/wrangler.toml with the engine's settings from the
 * state's .wrangler/dev.vars (wrangler hands `--env-file` to the first Worker only), and
 * auth/wrangler.toml with the development login page standing in for BlueKing's, for the demo user.
 * A deployment reads wrangler.toml alone, so it binds no engine.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parse } from 'smol-toml'
import { ENGINE_BINDING, workerConfig } from './config.ts'
import { readDevVars } from './devvars.ts'
import { DEV_LOGIN_PATH } from '../../src/oauth/paths.ts'
import { DEMO } from './demo.ts'
import { AUTH_CONFIG, ENGINE_CONFIG, WRANGLER_CONFIG } from './state.ts'
import type { LocalState } from './state.ts'

/** What the engine reads of the state's .wrangler/dev.vars: a public key and a flag, nothing secret. */
const ENGINE_VARS = ['APIGW_PUBLIC_KEY', 'ENGINE_DEMO_SEED']

interface Config {
  main: string
  assets?: { directory: string }
  services?: unknown[]
  vars?: Record<string, unknown>
}

/** A configuration read from `path`, its paths made absolute (they are read from the configuration's own folder). */
function readConfig(path: string): Config {
  const config = parse(readFileSync(path, 'utf8')) as unknown as Config
  const from = (relative: string) => resolve(dirname(path), relative)
  return { ...config, main: from(config.main), ...(config.assets && { assets: { ...config.assets, directory: from(config.assets.directory) } }) }
}

function write(path: string, config: Config): string {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`)
  return path
}

/** The paths of the Workers' configurations, in the order `wrangler dev` takes them. */
export function writeDevConfigs(state: LocalState): [gateway: string, engine: string, auth: string] {
  const gateway = readConfig(WRANGLER_CONFIG)
  const engine = readConfig(ENGINE_CONFIG)
  const auth = readConfig(AUTH_CONFIG)
  const devVars = readDevVars(state.devVarsPath)
  const engineVars = Object.fromEntries(ENGINE_VARS.flatMap((name) => (devVars[name] === undefined ? [] : [[name, devVars[name]]])))
  return [
    write(join(state.devConfigDir, 'gateway.json'), {
      ...gateway,
      // Locally no Cloudflare edge sets CF-Connecting-IP: any client can send one.
      vars: { ...gateway.vars, TRUST_CF_CONNECTING_IP: 'false' },
      services: [...(gateway.services ?? []), { binding: ENGINE_BINDING, service: workerConfig().engineName }],
    }),
    write(join(state.devConfigDir, 'engine.json'), { ...engine, vars: { ...engine.vars, ...engineVars } }),
    write(join(state.devConfigDir, 'auth.json'), {
      ...auth,
      vars: { ...auth.vars, BK_LOGIN_URL: DEV_LOGIN_PATH, DEV_LOGIN_USERS: `${DEMO.username}=${DEMO.token}` },
    }),
  ]
}
