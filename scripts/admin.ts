/**
 * `npm run admin -- <command>`: apps, secrets, tokens, permissions, demo tasks and the JWT key.
 * Local development state by default (the storage `npm run dev` uses), the deployed KV with --remote.
 * Run `npm run admin -- --help` for the commands.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { tokenHash } from '../src/credentials/hash.ts'
import {
  createApp,
  grant,
  listApps,
  loadApp,
  retireSecret,
  revoke,
  rotateSecret,
  setDisabled,
  setRate,
} from './lib/apps.ts'
import type { Permissions } from './lib/apps.ts'
import { describeApp, describeAppLine, describeToken } from './lib/describe.ts'
import { ensureDevVars, newJwtKeyPair, publicKeyOf, setDevVars } from './lib/devvars.ts'
import { UserError, runCli } from './lib/errors.ts'
import { appCode, appSecret, bizList, duration, rateWindows, resourceList } from './lib/input.ts'
import type { KvStore } from './lib/store.ts'
import { localState } from './lib/state.ts'
import type { LocalState } from './lib/state.ts'
import { engineClient } from './lib/tasks.ts'
import { addToken, loadToken, revokeToken } from './lib/tokens.ts'

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>
type Values = Record<string, string | boolean | undefined>

interface Context {
  args: string[]
  values: Values
  remote: boolean
  state: LocalState
  /** The pepper the gateway hashes secrets with: from .dev.vars locally, from the environment with --remote. */
  pepper(): string
}

interface Command {
  usage: string
  help: string
  /** Positional arguments, required ones first. */
  args: { required: number; optional?: number }
  options?: OptionSpec
  /** Why the command cannot run with --remote, if it cannot. */
  localOnly?: string
  run(ctx: Context, kv: () => Promise<KvStore>): Promise<void>
}

const GLOBAL_OPTIONS: OptionSpec = {
  remote: { type: 'boolean' },
  state: { type: 'string' },
  help: { type: 'boolean' },
}
const PERMISSION_OPTIONS: OptionSpec = { biz: { type: 'string' }, resources: { type: 'string' } }
const DEFAULT_TOKEN_TTL = '8h'

const str = (values: Values, name: string) => values[name] as string | undefined

function optionalPermissions(values: Values): Permissions {
  const biz = str(values, 'biz')
  const resources = str(values, 'resources')
  return { biz: biz === undefined ? undefined : bizList(biz), resources: resources === undefined ? undefined : resourceList(resources) }
}

function permissions(values: Values, command: string): Permissions {
  const given = optionalPermissions(values)
  if (!given.biz && !given.resources) throw new UserError(`${command} needs --biz and/or --resources`)
  return given
}

const COMMANDS: Record<string, Command> = {
  'app create': {
    usage: 'app create <bk_app_code> [--secret S] [--user-exempt] [--biz 2,project:5|*] [--resources operate_node,operate_task,node_callback,get_task_status|*] [--rate 10/1s,600/60s]',
    help: `Creates an app. Without --secret a strong secret is generated and printed once; only its keyed hash is
stored. An app is granted nothing unless --biz and --resources say so. --user-exempt lets it name a user
with bk_username alone (BlueKing's verified-user-exempted-apps). --rate sets its own rate windows instead
of the gateway default.`,
    args: { required: 1 },
    options: {
      secret: { type: 'string' },
      'user-exempt': { type: 'boolean' },
      ...PERMISSION_OPTIONS,
      rate: { type: 'string' },
    },
    async run(ctx, kv) {
      const given = str(ctx.values, 'secret')
      const rate = str(ctx.values, 'rate')
      const app = {
        code: appCode(ctx.args[0]),
        secret: given === undefined ? undefined : appSecret(given),
        userExempt: ctx.values['user-exempt'] === true,
        ...optionalPermissions(ctx.values),
        rate: rate === undefined ? undefined : rateWindows(rate),
      }
      const { record, secret } = await createApp(await kv(), ctx.pepper(), app)
      console.log(`created app ${app.code}`)
      if (given === undefined) console.log(`bk_app_secret: ${secret}\n(shown this once: only its hash is stored)`)
      console.log(describeApp(record))
    },
  },
  'app rotate': {
    usage: 'app rotate <bk_app_code>',
    help: `Adds a second valid secret and prints it once. Both secrets work until \`app retire-secret\` drops the
older one, so callers can switch without downtime. Refused while the app already has two secrets.`,
    args: { required: 1 },
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      const secret = await rotateSecret(await kv(), ctx.pepper(), code)
      console.log(`new bk_app_secret of ${code}: ${secret}\n(shown this once; the old secret stays valid until \`app retire-secret ${code}\`)`)
    },
  },
  'app retire-secret': {
    usage: 'app retire-secret <bk_app_code>',
    help: 'Drops the older of the app\'s two secrets; only the newer one works from then on (after the cache delay).',
    args: { required: 1 },
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      await retireSecret(await kv(), code)
      console.log(`retired the older secret of ${code}`)
    },
  },
  'app disable': {
    usage: 'app disable <bk_app_code>',
    help: 'Refuses every call of the app (after the cache delay) without deleting it.',
    args: { required: 1 },
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      await setDisabled(await kv(), code, true)
      console.log(`disabled ${code}`)
    },
  },
  'app enable': {
    usage: 'app enable <bk_app_code>',
    help: 'Lets a disabled app call again.',
    args: { required: 1 },
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      await setDisabled(await kv(), code, false)
      console.log(`enabled ${code}`)
    },
  },
  'app grant': {
    usage: 'app grant <bk_app_code> [--biz 2,project:5|*] [--resources operate_node,...|*]',
    help: 'Adds businesses (or projects, with scope=project) and/or resources to what the app may use.',
    args: { required: 1 },
    options: PERMISSION_OPTIONS,
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      const change = permissions(ctx.values, 'app grant')
      console.log(describeApp(await grant(await kv(), code, change)))
    },
  },
  'app revoke': {
    usage: 'app revoke <bk_app_code> [--biz 2,project:5|*] [--resources operate_node,...|*]',
    help: 'Removes businesses and/or resources from what the app may use; * removes them all.',
    args: { required: 1 },
    options: PERMISSION_OPTIONS,
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      const change = permissions(ctx.values, 'app revoke')
      console.log(describeApp(await revoke(await kv(), code, change)))
    },
  },
  'app set-rate': {
    usage: 'app set-rate <bk_app_code> <10/1s,600/60s|default>',
    help: 'Sets the app\'s rate windows (all enforced; up to 4; period in s, m, h or d), or `default` for the gateway\'s.',
    args: { required: 2 },
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      const rate = ctx.args[1] === 'default' ? undefined : rateWindows(ctx.args[1]!)
      await setRate(await kv(), code, rate)
      console.log(`rate of ${code}: ${ctx.args[1]}`)
    },
  },
  'app show': {
    usage: 'app show <bk_app_code>',
    help: 'Shows an app: status, permissions, rate, and its secrets as fingerprints (never the secrets).',
    args: { required: 1 },
    async run(ctx, kv) {
      const code = appCode(ctx.args[0])
      const app = await loadApp(await kv(), code)
      if (!app) throw new UserError(`no app ${code}`)
      console.log(describeApp(app))
    },
  },
  'app list': {
    usage: 'app list',
    help: 'Lists all apps, one a line.',
    args: { required: 0 },
    async run(_ctx, kv) {
      const apps = await listApps(await kv())
      console.log(apps.length > 0 ? apps.map(describeAppLine).join('\n') : '(no apps)')
    },
  },
  'token add': {
    usage: `token add <bk_token> <username> [--ttl ${DEFAULT_TOKEN_TTL}]`,
    help: `Stores a bk_token (as its SHA-256) that identifies <username> as a verified user until it expires
(--ttl: 90s, 30m, 8h, 7d; default ${DEFAULT_TOKEN_TTL}). Adding an existing token replaces it.`,
    args: { required: 2 },
    options: { ttl: { type: 'string' } },
    async run(ctx, kv) {
      const [bkToken, username] = ctx.args as [string, string]
      const ttl = duration(str(ctx.values, 'ttl') ?? DEFAULT_TOKEN_TTL, '--ttl')
      const token = await addToken(await kv(), bkToken, username, ttl)
      console.log(`bk_token for ${token.username} valid until ${new Date(token.expires_at).toISOString()}`)
    },
  },
  'token revoke': {
    usage: 'token revoke <bk_token>',
    help: 'Deletes a bk_token; it is refused from then on (after the cache delay).',
    args: { required: 1 },
    async run(ctx, kv) {
      await revokeToken(await kv(), ctx.args[0]!)
      console.log('revoked the bk_token')
    },
  },
  'token show': {
    usage: 'token show <bk_token>',
    help: 'Shows whose a bk_token is and when it expires.',
    args: { required: 1 },
    async run(ctx, kv) {
      const bkToken = ctx.args[0]!
      const token = await loadToken(await kv(), bkToken)
      if (!token) throw new UserError('no such bk_token')
      console.log(describeToken(token, await tokenHash(bkToken)))
    },
  },
  'task create': {
    usage: 'task create <tree.json> --biz <id> [--name NAME] [--start]',
    help: `Creates a task in the local reference engine from a SOPS pipeline tree (the pipeline_tree of
fast_create_task) and prints its id; --start starts it too. Goes through the engine's own API with a
JWT signed by the dev key, as the gateway calls it.`,
    args: { required: 1 },
    options: { biz: { type: 'string' }, name: { type: 'string' }, start: { type: 'boolean' } },
    localOnly: 'task create runs against the local reference engine only',
    async run(ctx) {
      const file = ctx.args[0]!
      const biz = str(ctx.values, 'biz')
      if (biz === undefined || !/^\d+$/.test(biz)) throw new UserError('task create needs --biz <digits>')
      const tree = readJson(file)
      const { secrets } = ensureDevVars(ctx.state.devVarsPath)
      const { startLocalWorker } = await import('./lib/worker.ts')
      const worker = await startLocalWorker(ctx.state)
      try {
        const engine = engineClient(await worker.binding('ENGINE'), secrets.JWT_PRIVATE_KEY, worker.variable('GATEWAY_NAME') || 'bk-sops')
        const taskId = await engine.createTask(biz, str(ctx.values, 'name') ?? basename(file, '.json'), tree)
        if (ctx.values.start === true) await engine.startTask(biz, taskId)
        console.log(taskId)
      } finally {
        await worker.close()
      }
    },
  },
  'jwt public-key': {
    usage: 'jwt public-key [--key private-key.pem]',
    help: `Prints the SPKI PEM public key of the gateway's JWT signing key: what SOPS is given as its API
gateway public key (APIGW_PUBLIC_KEY). From the local dev key, or from the private key file given with
--key (e.g. the one put as the JWT_PRIVATE_KEY secret of the deployed Worker).`,
    args: { required: 0 },
    options: { key: { type: 'string' } },
    async run(ctx) {
      const keyFile = str(ctx.values, 'key')
      if (keyFile !== undefined) return void process.stdout.write(publicKeyOf(readText(keyFile)))
      if (ctx.remote) {
        throw new UserError('the deployed JWT_PRIVATE_KEY is a Worker secret and cannot be read back; pass --key <private-key.pem>')
      }
      process.stdout.write(publicKeyOf(ensureDevVars(ctx.state.devVarsPath).secrets.JWT_PRIVATE_KEY))
    },
  },
  'jwt rotate': {
    usage: 'jwt rotate',
    help: `Replaces the local dev JWT key pair in .dev.vars and prints the new public key. Restart \`npm run dev\`
to use it. For a deployment, see docs/operating.md ("Rotating the JWT key").`,
    args: { required: 0 },
    localOnly: 'the deployed key is a Worker secret: see docs/operating.md ("Rotating the JWT key") for the rollout',
    async run(ctx) {
      ensureDevVars(ctx.state.devVarsPath)
      const pair = newJwtKeyPair()
      setDevVars(ctx.state.devVarsPath, pair)
      console.log(`new JWT key pair written to ${ctx.state.devVarsPath}; restart \`npm run dev\`. Public key:`)
      process.stdout.write(pair.APIGW_PUBLIC_KEY)
    },
  },
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`)
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readText(file))
  } catch (err) {
    if (err instanceof UserError) throw err
    throw new UserError(`${file} is not JSON: ${(err as Error).message}`)
  }
}

const GLOBAL_HELP = `Global options:
  --remote     act on the deployed KV namespace (wrangler's login; the pepper from the CREDENTIAL_PEPPER
               environment variable) instead of the local development state
  --state DIR  local state directory holding .dev.vars and .wrangler/state (default: the project; or
               the SOPS_EDGE_STATE environment variable)
  --help       help for a command`

function overview(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}`)
  return `usage: npm run admin -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}`
}

function commandHelp(command: Command): string {
  return `usage: npm run admin -- ${command.usage}\n\n${command.help}\n\n${GLOBAL_HELP}`
}

async function main(argv: string[]): Promise<void> {
  const name = argv.slice(0, 2).join(' ')
  const command = COMMANDS[name]
  if (!command) {
    if (argv.length === 0 || ['--help', '-h', 'help'].includes(argv[0]!)) return void console.log(overview())
    throw new UserError(`unknown command "${name}"\n\n${overview()}`)
  }
  let parsed: { values: Values; positionals: string[] }
  try {
    parsed = parseArgs({ args: argv.slice(2), options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true })
  } catch (err) {
    throw new UserError(`${(err as Error).message}\nusage: npm run admin -- ${command.usage}`)
  }
  const { values, positionals } = parsed
  if (values.help === true) return void console.log(commandHelp(command))
  const { required, optional = 0 } = command.args
  if (positionals.length < required || positionals.length > required + optional) {
    throw new UserError(`wrong number of arguments\nusage: npm run admin -- ${command.usage}`)
  }
  const remote = values.remote === true
  if (remote && command.localOnly) throw new UserError(`${name} --remote: ${command.localOnly}`)

  const state = localState(str(values, 'state'))
  const ctx: Context = {
    args: positionals,
    values,
    remote,
    state,
    pepper() {
      if (!remote) return ensureDevVars(state.devVarsPath).secrets.CREDENTIAL_PEPPER
      const pepper = process.env.CREDENTIAL_PEPPER
      if (!pepper) throw new UserError('--remote needs the deployed Worker\'s pepper in the CREDENTIAL_PEPPER environment variable')
      return pepper
    },
  }
  let store: KvStore | undefined
  // Loaded on first use: wrangler and Miniflare take seconds to import, help and input errors need neither.
  const kv = async () => {
    const { openLocalKv, wranglerKv } = await import('./lib/kv.ts')
    return (store ??= remote ? wranglerKv(['--remote']) : await openLocalKv(state.persistPath))
  }
  try {
    await command.run(ctx, kv)
  } finally {
    await store?.close()
  }
}

await runCli(() => main(process.argv.slice(2)))
