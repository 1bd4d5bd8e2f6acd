/**
 * `npm run dev`: prepares local development without asking (dev JWT key pair and pepper in .dev.vars,
 * the demo app and token in the local KV), then runs `wrangler dev` on http://localhost:8787 with the
 * same state. `--state DIR` uses another state directory; `--setup-only` prepares without serving.
 * Each call prints one short access-log line; `--log-format json` prints the JSON line instead.
 * Arguments after `--` go to `wrangler dev`, e.g. `npm run dev -- -- --var ORIGIN_URL:http://127.0.0.1:8000/o/bk_sops/`.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bootstrap } from './lib/bootstrap.ts'
import { DEMO } from './lib/demo.ts'
import { UserError, runCli } from './lib/errors.ts'
import { PROJECT_ROOT, WRANGLER_CONFIG, localState } from './lib/state.ts'
import type { LocalState } from './lib/state.ts'

const USAGE = 'usage: npm run dev -- [--state DIR] [--setup-only] [--log-format pretty|json] [-- <wrangler dev arguments>]'
const LOG_FORMATS = ['pretty', 'json']

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        state: { type: 'string' },
        'setup-only': { type: 'boolean' },
        'log-format': { type: 'string', default: 'pretty' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
    })
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${USAGE}`)
  }
}

/** Runs wrangler dev in the foreground; signals sent to this process reach it, and its exit is ours. */
function serve(state: LocalState, logFormat: string, extra: string[]): void {
  const args = [join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--config', WRANGLER_CONFIG]
  args.push('--persist-to', state.persistPath, '--var', `LOG_FORMAT:${logFormat}`)
  // wrangler reads .dev.vars beside wrangler.toml by itself; another state directory names its own.
  if (state.dir !== PROJECT_ROOT) args.push('--env-file', state.devVarsPath)
  const child = spawn(process.execPath, [...args, ...extra], { stdio: 'inherit', cwd: PROJECT_ROOT })
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
  const report = await bootstrap(state)
  if (report.devVars.length > 0) console.log(`created in ${state.devVarsPath}: ${report.devVars.join(', ')}`)
  for (const made of report.demo) console.log(`seeded ${made}`)
  console.log(`demo credentials: bk_app_code=${DEMO.app} bk_app_secret=${DEMO.secret} bk_token=${DEMO.token}`)
  if (!values['setup-only']) serve(state, logFormat, positionals)
})
