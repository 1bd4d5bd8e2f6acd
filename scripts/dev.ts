/**
 * `npm run dev`: prepares local development without asking (dev JWT key pair and pepper in
 * .wrangler/dev.vars, the demo app and token in the local KV), then runs `wrangler dev` on
 * http://localhost:8787 with the same state. `--port N` serves on another port; a port in use stops it
 * with a clear message rather than letting wrangler move elsewhere. `--origin URL` puts the gateway in
 * front of a real SOPS instead of the reference engine. `--state DIR` uses another state directory;
 * `--setup-only` prepares without serving. Each call prints one short access-log line; `--log-format
 * json` prints the JSON line instead. It listens on loopback only unless `--allow-remote` is given (the
 * demo credentials are public), and wrangler's local explorer, which reads and writes the local KV and
 * Durable Objects, is off unless `--explorer` is given. Arguments after `--` go to `wrangler dev`, e.g.
 * `npm run dev -- -- --var CORS_ORIGINS:http://localhost:5173`.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bootstrap } from './lib/bootstrap.ts'
import { workerConfig } from './lib/config.ts'
import { DEMO } from './lib/demo.ts'
import { registerConsoleClient } from './lib/console-client.ts'
import { ensureDevVars } from './lib/devvars.ts'
import { writeDevConfigs } from './lib/dev-config.ts'
import { devOutput } from './lib/dev-output.ts'
import { claimState, devRegistryEnv, runningDevServer } from './lib/devserver.ts'
import { UserError, runCli } from './lib/errors.ts'
import { nextFreePort, portIsFree } from './lib/port.ts'
import { PROJECT_ROOT, localState } from './lib/state.ts'
import type { LocalState } from './lib/state.ts'

const USAGE =
  'usage: npm run dev -- [--port N] [--origin URL] [--state DIR] [--setup-only] [--log-format pretty|json] [--allow-remote] [--explorer] [-- <wrangler dev arguments>]'
const DEFAULT_PORT = 8787
const LOG_FORMATS = ['pretty', 'json']

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        state: { type: 'string' },
        'setup-only': { type: 'boolean' },
        'log-format': { type: 'string', default: 'pretty' },
        origin: { type: 'string' },
        'allow-remote': { type: 'boolean' },
        explorer: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    })
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${USAGE}`)
  }
}

interface Address {
  host: string
  port: number
  /** Whether the wrangler arguments name the port already. */
  portInWranglerArgs: boolean
}

/** Where wrangler will listen: `--port` (ours or wrangler's), else wrangler.toml's [dev], else 8787. */
function servingAddress(ownPort: string | undefined, wranglerArgs: string[]): Address {
  const { values } = parseArgs({ args: wranglerArgs, options: { port: { type: 'string' }, ip: { type: 'string' } }, strict: false })
  const wranglerPort = typeof values.port === 'string' ? values.port : undefined
  if (ownPort !== undefined && wranglerPort !== undefined) throw new UserError(`give --port once, not also after \`--\`\n${USAGE}`)
  const given = ownPort ?? wranglerPort
  const port = given === undefined ? (workerConfig().dev.port ?? DEFAULT_PORT) : Number(given)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UserError(`--port takes a port number from 1 to 65535, not "${given}"`)
  const host = (typeof values.ip === 'string' ? values.ip : undefined) ?? workerConfig().dev.ip ?? 'localhost'
  return { host, port, portInWranglerArgs: wranglerPort !== undefined }
}

/** Whether only this machine can reach `host`. */
const isLoopback = (host: string) => /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host)

function requireLoopback({ host }: Address, allowRemote: boolean | undefined): void {
  if (isLoopback(host) || allowRemote) return
  throw new UserError(
    `npm run dev listens on ${host}, beyond this machine, only when told to: its demo credentials ` +
      `(${DEMO.app} / ${DEMO.secret}, allowed everything) are public, so anyone who reaches it can operate its tasks. ` +
      `Keep the default (localhost), or add --allow-remote: npm run dev -- --allow-remote -- --ip ${host}`,
  )
}

/** The origin URL as wrangler's --var takes it: an http(s) URL, or a clear refusal. */
function originVar(origin: string): string {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    throw new UserError(`--origin takes SOPS's API base URL, e.g. http://127.0.0.1:8000/o/bk_sops/, not "${origin}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`--origin takes an http or https URL, not "${origin}"`)
  return `ORIGIN_URL:${url.href}`
}

async function requireFreePort({ host, port }: Address): Promise<void> {
  if (await portIsFree(host, port)) return
  const suggestion = await nextFreePort(host, port)
  throw new UserError(
    `port ${port} is already in use on ${host}, so the gateway cannot serve http://${host}:${port} (and requests ` +
      `there would reach whatever else is listening). Stop that program, or choose another port: ` +
      `npm run dev -- --port ${suggestion ?? port + 1}`,
  )
}

interface ServeOptions {
  logFormat: string
  /** wrangler's `--var ORIGIN_URL:…`, if any. */
  originUrlVar: string | undefined
  explorer: boolean | undefined
}

/** Runs wrangler dev in the foreground; signals sent to this process reach it, and its exit is ours. */
function serve(state: LocalState, address: Address, { logFormat, originUrlVar, explorer }: ServeOptions, extra: string[]): void {
  // Two Workers in one runtime: the gateway first (it serves the port), then the engine it binds.
  const [gatewayConfig, engineConfig, authConfig] = writeDevConfigs(state)
  const args = [join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--config', gatewayConfig, '--config', engineConfig, '--config', authConfig]
  args.push('--persist-to', state.persistPath, '--env-file', state.devVarsPath, '--var', `LOG_FORMAT:${logFormat}`)
  if (originUrlVar) args.push('--var', originUrlVar)
  // Always explicit: given no port, wrangler would take the next free one without a word.
  if (!address.portInWranglerArgs) args.push('--port', String(address.port))
  const child = spawn(process.execPath, [...args, ...extra], {
    stdio: ['inherit', 'pipe', 'pipe'],
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      ...devRegistryEnv(state),
      // Request.cf is a placeholder locally: fetching the real one fails offline, twice, with a stack.
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      X_LOCAL_EXPLORER: explorer ? 'true' : 'false',
      // Piped through devOutput, wrangler would otherwise drop its colours.
      ...(process.stdout.isTTY && { FORCE_COLOR: '1' }),
    },
  })
  child.stdout.pipe(devOutput()).pipe(process.stdout)
  child.stderr.pipe(devOutput()).pipe(process.stderr)
  const forward = (signal: NodeJS.Signals) => child.exitCode === null && child.kill(signal)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward)
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? constants.signals[signal] : 1)
  })
  const url = `http://${address.host === '*' ? 'localhost' : address.host}:${address.port}/`
  registerConsoleClient(url, ensureDevVars(state.devVarsPath).secrets.ADMIN_TOKEN).then(
    (done) => console.log(done),
    (err: Error) => console.error(`the console's OAuth client: ${err.message}`),
  )
}

await runCli(async () => {
  const { values, positionals } = options(process.argv.slice(2))
  if (values.help) return void console.log(USAGE)
  const logFormat = values['log-format']
  if (!LOG_FORMATS.includes(logFormat)) throw new UserError(`--log-format must be one of ${LOG_FORMATS.join(', ')}\n${USAGE}`)
  const originUrlVar = values.origin === undefined ? undefined : originVar(values.origin)
  const state = localState(values.state)
  const serving = !values['setup-only']
  const address = serving ? servingAddress(values.port, positionals) : undefined
  if (address) {
    requireLoopback(address, values['allow-remote'])
    const running = runningDevServer(state)
    if (running) {
      throw new UserError(
        `npm run dev is already serving ${state.dir} (pid ${running.pid}, ${running.url}); stop it first, ` +
          `or give this one its own --state DIR: two servers on one state would each run their own timers`,
      )
    }
    await requireFreePort(address)
    // From now on, before wrangler is even ready: the admin CLI must not open the state itself meanwhile.
    claimState(state, `http://${address.host === '*' ? 'localhost' : address.host}:${address.port}`)
  }
  const report = await bootstrap(state)
  if (report.moved) console.log(`moved ${report.moved} to ${state.devVarsPath}, where the test pool does not read it`)
  if (report.devVars.length > 0) console.log(`created in ${state.devVarsPath}: ${report.devVars.join(', ')}`)
  for (const made of report.demo) console.log(`seeded ${made}`)
  console.log(`demo credentials: bk_app_code=${DEMO.app} bk_app_secret=${DEMO.secret} bk_token=${DEMO.token}`)
  if (address) serve(state, address, { logFormat, originUrlVar, explorer: values.explorer }, positionals)
})
