/**
 * `npm run dev`: prepares local development without asking (dev JWT key pair and pepper in .dev.vars,
 * the demo app and token in the local KV), then runs `wrangler dev` on http://localhost:8787 with the
 * same state. `--port N` serves on another port; a port in use stops it with a clear message rather
 * than letting wrangler move elsewhere. `--state DIR` uses another state directory; `--setup-only`
 * prepares without serving. Each call prints one short access-log line; `--log-format json` prints the
 * JSON line instead. Arguments after `--` go to `wrangler dev`, e.g.
 * `npm run dev -- -- --var ORIGIN_URL:http://127.0.0.1:8000/o/bk_sops/`.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bootstrap } from './lib/bootstrap.ts'
import { workerConfig } from './lib/config.ts'
import { DEMO } from './lib/demo.ts'
import { writeDevConfigs } from './lib/dev-config.ts'
import { claimState, devRegistryEnv, runningDevServer } from './lib/devserver.ts'
import { UserError, runCli } from './lib/errors.ts'
import { nextFreePort, portIsFree } from './lib/port.ts'
import { PROJECT_ROOT, localState } from './lib/state.ts'
import type { LocalState } from './lib/state.ts'

const USAGE = 'usage: npm run dev -- [--port N] [--state DIR] [--setup-only] [--log-format pretty|json] [-- <wrangler dev arguments>]'
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

async function requireFreePort({ host, port }: Address): Promise<void> {
  if (await portIsFree(host, port)) return
  const suggestion = await nextFreePort(host, port)
  throw new UserError(
    `port ${port} is already in use on ${host}, so the gateway cannot serve http://${host}:${port} (and requests ` +
      `there would reach whatever else is listening). Stop that program, or choose another port: ` +
      `npm run dev -- --port ${suggestion ?? port + 1}`,
  )
}

/** Runs wrangler dev in the foreground; signals sent to this process reach it, and its exit is ours. */
function serve(state: LocalState, address: Address, logFormat: string, extra: string[]): void {
  // Two Workers in one runtime: the gateway first (it serves the port), then the engine it binds.
  const [gatewayConfig, engineConfig] = writeDevConfigs(state)
  const args = [join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--config', gatewayConfig, '--config', engineConfig]
  args.push('--persist-to', state.persistPath, '--env-file', state.devVarsPath, '--var', `LOG_FORMAT:${logFormat}`)
  // Always explicit: given no port, wrangler would take the next free one without a word.
  if (!address.portInWranglerArgs) args.push('--port', String(address.port))
  const child = spawn(process.execPath, [...args, ...extra], {
    stdio: 'inherit',
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...devRegistryEnv(state) },
  })
  const forward = (signal: NodeJS.Signals) => child.exitCode === null && child.kill(signal)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward)
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? constants.signals[signal] : 1)
  })
}

await runCli(async () => {
  const { values, positionals } = options(process.argv.slice(2))
  if (values.help) return void console.log(USAGE)
  const logFormat = values['log-format']
  if (!LOG_FORMATS.includes(logFormat)) throw new UserError(`--log-format must be one of ${LOG_FORMATS.join(', ')}\n${USAGE}`)
  const state = localState(values.state)
  const serving = !values['setup-only']
  const address = serving ? servingAddress(values.port, positionals) : undefined
  if (address) {
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
  if (report.devVars.length > 0) console.log(`created in ${state.devVarsPath}: ${report.devVars.join(', ')}`)
  for (const made of report.demo) console.log(`seeded ${made}`)
  console.log(`demo credentials: bk_app_code=${DEMO.app} bk_app_secret=${DEMO.secret} bk_token=${DEMO.token}`)
  if (address) serve(state, address, logFormat, positionals)
})
