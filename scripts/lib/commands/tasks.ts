/** `task create` and `demo reset`: tasks of the local reference engine, and the demo workspace. */
import { basename } from 'node:path'
import type { Command } from '../command.ts'
import { option } from '../command.ts'
import { resetDemoTasks } from '../demo-tasks.ts'
import { resetDemo } from '../demo.ts'
import { withEngine } from '../engine.ts'
import { UserError } from '../errors.ts'
import { readJson } from '../files.ts'

const LOCAL_ENGINE_ONLY = 'runs against the local reference engine only'

export const TASK_COMMANDS: Record<string, Command> = {
  'task create': {
    usage: 'task create <tree.json> --biz <id> [--name NAME] [--start]',
    help: `Creates a task in the local reference engine from a SOPS pipeline tree (the pipeline_tree of
fast_create_task) and prints its id; --start starts it too. Goes through the engine's own API with a
JWT signed by the dev key, as the gateway calls it: through the \`npm run dev\` serving the state when
one does (so the task runs on the server's clock), else on the state directly.`,
    args: { required: 1 },
    options: { biz: { type: 'string' }, name: { type: 'string' }, start: { type: 'boolean' } },
    localOnly: `task create ${LOCAL_ENGINE_ONLY}`,
    async run(ctx) {
      const file = ctx.args[0]!
      const biz = option(ctx.values, 'biz')
      if (biz === undefined || !/^\d+$/.test(biz)) throw new UserError('task create needs --biz <digits>')
      const tree = readJson(file)
      const start = ctx.values.start === true
      const taskId = await withEngine(ctx.state, async (engine) => {
        const id = await engine.createTask(biz, option(ctx.values, 'name') ?? basename(file, '.json'), tree)
        if (start) await engine.startTask(biz, id)
        return id
      })
      return { text: String(taskId), json: { task_id: taskId, biz, started: start } }
    },
  },
  'demo reset': {
    usage: 'demo reset',
    help: `Restores the demo workspace, so the README's examples can be run again: the app esb_test (secret
xxx, user-exempt, every resource and business, enabled, the gateway's default rate), the bk_token xxx of
admin, and the engine's demo tasks as they are seeded. Tasks created by hand stay. Through the
\`npm run dev\` serving the state when one does.`,
    args: { required: 0 },
    localOnly: `demo reset ${LOCAL_ENGINE_ONLY}`,
    async run(ctx) {
      const tasks = await resetDemoTasks(ctx.state)
      const credentials = await resetDemo(await ctx.kv(), ctx.pepper())
      const lines = [...credentials, ...tasks.map((t) => `task ${t.task_id} of business ${t.biz} (${t.state})`)]
      return { text: `restored the demo workspace:\n${lines.map((line) => `  ${line}`).join('\n')}`, json: { credentials, tasks } }
    },
  },
}
