/**
 * `npm run admin -- <command>`: apps, secrets, tokens, permissions, demo tasks and the JWT key.
 * Local development state by default (the storage `npm run dev` uses), the deployed gateway's admin
 * endpoint with --remote (SOPS_EDGE_URL, ADMIN_TOKEN).
 * Global options go anywhere on the line. stdout carries the result alone (one JSON document with
 * --json); messages and notices go to stderr. Run `npm run admin -- --help` for the commands.
 */
import type { Command, Context } from './lib/command.ts'
import { option } from './lib/command.ts'
import { commandName, parseLine } from './lib/commandline.ts'
import type { OptionSpec } from './lib/commandline.ts'
import { APP_COMMANDS } from './lib/commands/apps.ts'
import { JWT_COMMANDS } from './lib/commands/jwt.ts'
import { TASK_COMMANDS } from './lib/commands/tasks.ts'
import { TOKEN_COMMANDS } from './lib/commands/tokens.ts'
import { consoleToStderr, printResult } from './lib/console.ts'
import { runningDevServer } from './lib/devserver.ts'
import { ensureDevVars } from './lib/devvars.ts'
import { UserError, runCli } from './lib/errors.ts'
import { pepperHasher } from './lib/apps.ts'
import { adminKv, adminSecretHasher, openLocalKv } from './lib/kv.ts'
import { localState } from './lib/state.ts'
import type { LocalState } from './lib/state.ts'
import type { KvStore } from './lib/store.ts'

const COMMANDS: Record<string, Command> = { ...APP_COMMANDS, ...TOKEN_COMMANDS, ...TASK_COMMANDS, ...JWT_COMMANDS }

const GLOBAL_OPTIONS: OptionSpec = {
  remote: { type: 'boolean' },
  state: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}
const ALL_OPTIONS: OptionSpec = Object.assign({}, GLOBAL_OPTIONS, ...Object.values(COMMANDS).map((c) => c.options))

const GLOBAL_HELP = `Global options, anywhere on the line:
  --remote     act on the deployed gateway through its admin endpoint (its URL in SOPS_EDGE_URL, its admin
               secret in ADMIN_TOKEN; it hashes new secrets itself) instead of the local development state
  --state DIR  local state directory holding .wrangler/dev.vars and .wrangler/state (default: the project; or
               the SOPS_EDGE_STATE environment variable)
  --json       print the result as one JSON document on stdout
  --help, -h   help for a command

stdout carries the result alone; messages go to stderr. In scripts use \`npm run --silent admin -- …\`,
or npm prints its own banner on stdout first.`

function overview(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}`)
  return `usage: npm run admin -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}`
}

function commandHelp(command: Command): string {
  return `usage: npm run admin -- ${command.usage}\n\n${command.help}\n\n${GLOBAL_HELP}`
}

async function main(argv: string[]): Promise<void> {
  const name = commandName(argv, ALL_OPTIONS)
  const command = COMMANDS[name]
  if (!command) {
    const { values, positionals } = parseLine(argv, ALL_OPTIONS, 'usage: npm run admin -- <command> [options]')
    if (positionals.length === 0 || values.help === true) return void process.stdout.write(`${overview()}\n`)
    const group = Object.values(COMMANDS).filter((c) => c.usage.startsWith(`${positionals[0]} `))
    if (group.length > 0) {
      const what = positionals.length === 1 ? `"${positionals[0]}" needs a subcommand` : `unknown command "${name}"`
      throw new UserError(`${what}:\n${group.map((c) => `  npm run admin -- ${c.usage}`).join('\n')}`)
    }
    throw new UserError(`unknown command "${name}"\n\n${overview()}`)
  }
  const usage = `usage: npm run admin -- ${command.usage}`
  const { values, positionals } = parseLine(argv, { ...GLOBAL_OPTIONS, ...command.options }, usage)
  if (values.help === true) return void process.stdout.write(`${commandHelp(command)}\n`)
  const args = positionals.slice(2)
  const { required, optional = 0 } = command.args
  if (args.length > required + optional) throw new UserError(`${extraArguments(argv, args.slice(required + optional))}\n${usage}`)
  if (args.length < required) throw new UserError(`wrong number of arguments\n${usage}`)
  const remote = values.remote === true
  if (remote && command.localOnly) throw new UserError(`${name} --remote: ${command.localOnly}`)

  const state = localState(option(values, 'state'))
  let store: KvStore | undefined
  const ctx: Context = {
    args,
    values,
    remote,
    state,
    pepper() {
      return ensureDevVars(state.devVarsPath).secrets.CREDENTIAL_PEPPER
    },
    secretHasher() {
      return remote ? adminSecretHasher(...remoteGateway()) : pepperHasher(this.pepper())
    },
    async kv() {
      return (store ??= await credentialStore(state, remote))
    },
  }
  try {
    printResult(await command.run(ctx), values.json === true)
  } finally {
    await store?.close()
  }
}

/** The deployed gateway of --remote: its URL and admin token. */
function remoteGateway(): [url: string, token: string] {
  const { SOPS_EDGE_URL, ADMIN_TOKEN } = process.env
  if (!SOPS_EDGE_URL || !ADMIN_TOKEN) {
    throw new UserError("--remote needs the deployed gateway's URL in SOPS_EDGE_URL and its admin secret in ADMIN_TOKEN")
  }
  return [SOPS_EDGE_URL, ADMIN_TOKEN]
}

/**
 * Words the command does not take, said as such; right after an option's value (`--ttl 8 hours`), the
 * likely cause: an option's value is one word.
 */
function extraArguments(argv: string[], extra: string[]): string {
  const said = `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((word) => `"${word}"`).join(' ')}`
  const at = argv.indexOf(extra[0]!)
  const option = argv[at - 2]
  if (at < 2 || !option?.startsWith('--') || ALL_OPTIONS[option.slice(2)]?.type !== 'string') return said
  return `${said}: ${option} takes its value as one word; quote it: ${option} "${argv[at - 1]} ${extra.join(' ')}"`
}

/**
 * Where credentials are written: through a gateway's admin endpoint whenever one serves them (the
 * deployed Worker with --remote, or the `npm run dev` serving the state), so the change reaches every
 * isolate within 10 s; straight into the local state when nothing serves it.
 */
async function credentialStore(state: LocalState, remote: boolean): Promise<KvStore> {
  if (remote) return adminKv(...remoteGateway())
  const server = runningDevServer(state)
  return server ? adminKv(server.url, ensureDevVars(state.devVarsPath).secrets.ADMIN_TOKEN) : openLocalKv(state.persistPath)
}

consoleToStderr()
await runCli(() => main(process.argv.slice(2)))
