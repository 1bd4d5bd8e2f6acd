/** `app …`: create apps, rotate and retire their secrets, enable/disable, permissions and rate limits. */
import type { AppRecord } from '../../../src/credentials/records.ts'
import { RESOURCE_NAMES } from '../../../src/resources/table.ts'
import { createApp, grant, listApps, loadApp, retireSecret, rotateSecret, setDisabled, setRate, ungrant } from '../apps.ts'
import type { Permissions } from '../apps.ts'
import type { Command } from '../command.ts'
import { option } from '../command.ts'
import type { OptionSpec, Values } from '../commandline.ts'
import type { Output } from '../console.ts'
import { appView, describeApp, describeAppLines, rateText } from '../describe.ts'
import { UserError } from '../errors.ts'
import { RATE_SYNTAX, appCode, appSecret, bizList, rateWindows, resourceList } from '../input.ts'

const PERMISSION_OPTIONS: OptionSpec = { biz: { type: 'string' }, resources: { type: 'string' } }
const BIZ_USAGE = '--biz 2,project:5|*'
const RESOURCES_USAGE = `--resources ${RESOURCE_NAMES.join(',')}|*`

function givenPermissions(values: Values): Permissions {
  const biz = option(values, 'biz')
  const resources = option(values, 'resources')
  return { biz: biz === undefined ? undefined : bizList(biz), resources: resources === undefined ? undefined : resourceList(resources) }
}

function changedPermissions(values: Values, command: string): Permissions {
  const given = givenPermissions(values)
  if (!given.biz && !given.resources) throw new UserError(`${command} needs --biz and/or --resources`)
  return given
}

/** The same lines whether the secret comes from `app create` or `app rotate`. */
function newSecretLines(code: string, secret: string): string {
  return `bk_app_secret of ${code}: ${secret}\n(shown this once: only its hash is stored)`
}

/** The app as it now is, as text and JSON. */
function appOutput(record: AppRecord, heading?: string): Output {
  const app = appView(record)
  return { text: heading === undefined ? describeApp(app) : `${heading}\n${describeApp(app)}`, json: app }
}

/** `app disable` and `app enable`. */
function statusCommand(disabled: boolean, help: string): Command {
  const verb = disabled ? 'disable' : 'enable'
  return {
    usage: `app ${verb} <bk_app_code>`,
    help,
    args: { required: 1 },
    async run(ctx) {
      const code = appCode(ctx.args[0])
      return appOutput(await setDisabled(await ctx.kv(), code, disabled), `${verb}d ${code}`)
    },
  }
}

/** What a grant or an ungrant names, as text: `biz 3; resources operate_node`. */
const permissionsText = ({ biz, resources }: Permissions) =>
  [biz && `biz ${biz === '*' ? '* (all)' : biz.join(',')}`, resources && `resources ${resources === '*' ? '* (all)' : resources.join(',')}`]
    .filter(Boolean)
    .join('; ')

/** `app grant` and `app ungrant`: the change, then the app as it now is. */
function permissionCommand(verb: 'grant' | 'ungrant', help: string): Command {
  const [change, done] = verb === 'grant' ? ([grant, 'granted'] as const) : ([ungrant, 'ungranted'] as const)
  return {
    usage: `app ${verb} <bk_app_code> [${BIZ_USAGE}] [${RESOURCES_USAGE}]`,
    help,
    args: { required: 1 },
    options: PERMISSION_OPTIONS,
    async run(ctx) {
      const code = appCode(ctx.args[0])
      const permissions = changedPermissions(ctx.values, `app ${verb}`)
      const app = appView(await change(await ctx.kv(), code, permissions))
      return { text: `${done} ${code}: ${permissionsText(permissions)}\n${describeApp(app)}`, json: { [done]: permissions, app } }
    },
  }
}

const UNGRANT = permissionCommand('ungrant', 'Removes businesses and/or resources from what the app may use; * removes them all. The app stays (`app disable` refuses all its calls).')

export const APP_COMMANDS: Record<string, Command> = {
  'app create': {
    usage: `app create <bk_app_code> ${BIZ_USAGE} ${RESOURCES_USAGE} [--user-exempt] [--secret S] [--rate 10/1s,600/1m]`,
    help: `Creates an app allowed to call the given businesses (CMDB business ids, or project:<id> for calls with
scope=project) and resources; * allows all. Without --secret a strong secret is generated and printed
once; only its keyed hash is stored. --user-exempt lets it name a user with bk_username alone
(BlueKing's verified-user-exempted-apps). --rate sets its own rate windows instead of the gateway
default: ${RATE_SYNTAX}.`,
    args: { required: 1 },
    options: {
      ...PERMISSION_OPTIONS,
      secret: { type: 'string' },
      'user-exempt': { type: 'boolean' },
      rate: { type: 'string' },
    },
    async run(ctx) {
      const code = appCode(ctx.args[0])
      const { biz, resources } = givenPermissions(ctx.values)
      if (!biz || !resources) {
        throw new UserError(
          `app create needs both --biz and --resources: an app granted nothing is refused every call. Name them ` +
            `(e.g. --biz 2,project:5 --resources operate_node,get_task_status), or allow all with --biz '*' --resources '*'`,
        )
      }
      const given = option(ctx.values, 'secret')
      const rate = option(ctx.values, 'rate')
      const { record, secret } = await createApp(await ctx.kv(), ctx.secretHasher(), {
        code,
        secret: given === undefined ? undefined : appSecret(given),
        userExempt: ctx.values['user-exempt'] === true,
        biz,
        resources,
        rate: rate === undefined ? undefined : rateWindows(rate),
      })
      const app = appView(record)
      if (given !== undefined) return { text: `created app ${code} with the given secret\n${describeApp(app)}`, json: { app } }
      return { text: `created app ${code}\n${newSecretLines(code, secret)}\n${describeApp(app)}`, json: { app, secret } }
    },
  },
  'app rotate': {
    usage: 'app rotate <bk_app_code>',
    help: `Adds a second valid secret and prints it once. Both secrets work until \`app retire-secret\` drops the
older one, so callers can switch without downtime. Refused while the app already has two secrets.`,
    args: { required: 1 },
    async run(ctx) {
      const code = appCode(ctx.args[0])
      const { record, secret } = await rotateSecret(await ctx.kv(), ctx.secretHasher(), code)
      const app = appView(record)
      const text = `${newSecretLines(code, secret)}\nboth secrets are valid until \`app retire-secret ${code}\` drops the older one\n${describeApp(app)}`
      return { text, json: { app, secret } }
    },
  },
  'app retire-secret': {
    usage: 'app retire-secret <bk_app_code>',
    help: "Drops the older of the app's two secrets; only the newer one works from then on, everywhere within 10 s.",
    args: { required: 1 },
    async run(ctx) {
      const code = appCode(ctx.args[0])
      return appOutput(await retireSecret(await ctx.kv(), code), `retired the older secret of ${code}`)
    },
  },
  'app disable': statusCommand(true, 'Refuses every call of the app, everywhere within 10 s, without deleting it.'),
  'app enable': statusCommand(false, 'Lets a disabled app call again.'),
  'app grant': permissionCommand('grant', 'Adds businesses (or projects, with scope=project) and/or resources to what the app may use.'),
  'app ungrant': UNGRANT,
  'app revoke': {
    ...UNGRANT,
    usage: UNGRANT.usage.replace('ungrant', 'revoke'),
    help: `The old name of \`app ungrant\`: removes grants, not the app. ${UNGRANT.help}`,
    run(ctx) {
      console.error('app revoke is app ungrant: it removes grants; the app stays (app disable refuses all its calls)')
      return UNGRANT.run(ctx)
    },
  },
  'app set-rate': {
    usage: 'app set-rate <bk_app_code> <10/1s,600/1m|default>',
    help: `Sets the app's own rate windows, all enforced: ${RATE_SYNTAX}. \`default\` returns the app to the
gateway's RATE_LIMIT_DEFAULT.`,
    args: { required: 2 },
    async run(ctx) {
      const code = appCode(ctx.args[0])
      const rate = ctx.args[1] === 'default' ? undefined : rateWindows(ctx.args[1]!)
      const record = await setRate(await ctx.kv(), code, rate)
      return appOutput(record, `rate of ${code}: ${rate ? rateText(rate) : 'gateway default'}`)
    },
  },
  'app show': {
    usage: 'app show <bk_app_code>',
    help: 'Shows an app: status, permissions, rate, and its secrets as fingerprints (never the secrets).',
    args: { required: 1 },
    async run(ctx) {
      const code = appCode(ctx.args[0])
      const record = await loadApp(await ctx.kv(), code)
      if (!record) throw new UserError(`no app ${code}`)
      return appOutput(record)
    },
  },
  'app list': {
    usage: 'app list',
    help: 'Lists all apps, one a line, in aligned columns.',
    args: { required: 0 },
    async run(ctx) {
      const apps = (await listApps(await ctx.kv())).map(appView)
      return { text: apps.length > 0 ? describeAppLines(apps) : '(no apps)', json: apps }
    },
  },
}
