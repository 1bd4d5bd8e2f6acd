/**
 * Puts the engine's demo tasks (src/engine/demo: DEMO_TASKS) back in the state they are seeded in, so
 * the README's examples can be run again. The engine has no way to delete a task, so the storage of each
 * demo task's object is removed while no runtime holds it, and the engine seeds the tasks afresh.
 * Tasks created by hand are left as they are.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { DEMO_TASKS } from '../../src/engine/demo/index.ts'
import { ENGINE_BINDING, workerConfig } from './config.ts'
import { ensureDevVars } from './devvars.ts'
import { runningDevServer } from './devserver.ts'
import { UserError } from './errors.ts'
import type { LocalState } from './state.ts'
import { engineClient } from './tasks.ts'
import { bundleWorker, startLocalWorker } from './worker.ts'
import type { LocalWorker, WorkerBundle } from './worker.ts'

const TASKS_BINDING = 'ENGINE_TASKS'

export interface DemoTaskState {
  task_id: number
  biz: string
  state: string
}

export async function resetDemoTasks(state: LocalState): Promise<DemoTaskState[]> {
  const server = runningDevServer(state)
  if (server) {
    throw new UserError(
      `npm run dev (pid ${server.pid}, ${server.url}) holds the engine's state; stop it, run \`demo reset\`, then ` +
        'start it again (the engine cannot reset a task while it runs)',
    )
  }
  const { secrets } = ensureDevVars(state.devVarsPath)
  const bundle = await bundleWorker()
  try {
    const files = await withWorker(state, bundle, (worker) => storageFiles(state, worker))
    for (const file of files) rmSync(file, { force: true })
    // The engine seeds its demo tasks before it answers its first call.
    return await withWorker(state, bundle, async (worker) => {
      const engine = engineClient(await worker.binding(ENGINE_BINDING), secrets.JWT_PRIVATE_KEY, workerConfig().gatewayName)
      const states: DemoTaskState[] = []
      for (const demo of DEMO_TASKS) {
        states.push({ task_id: demo.taskId, biz: demo.bizId, state: await engine.taskState(demo.bizId, demo.taskId) })
      }
      return states
    })
  } finally {
    await bundle.dispose()
  }
}

async function withWorker<T>(state: LocalState, bundle: WorkerBundle, use: (worker: LocalWorker) => Promise<T>): Promise<T> {
  const worker = await startLocalWorker(state, bundle, { ENGINE_DEMO_SEED: 'true' })
  try {
    return await use(worker)
  } finally {
    await worker.close()
  }
}

/**
 * The files of the demo tasks' objects (with their write-ahead logs), where Miniflare keeps a SQLite
 * Durable Object: `<persist>/v3/do/<worker>-<class>/<object id>.sqlite`.
 */
async function storageFiles(state: LocalState, worker: LocalWorker): Promise<string[]> {
  const { name, durableObjectClasses } = workerConfig()
  const tasks = await worker.durableObjects(TASKS_BINDING)
  const dir = join(state.persistPath, 'v3', 'do', `${name}-${durableObjectClasses[TASKS_BINDING]}`)
  return DEMO_TASKS.flatMap((demo) => {
    // Named as the engine names a task's object (taskObject in src/engine/tasks.ts).
    const id = tasks.idFromName(String(demo.taskId)).toString()
    return ['', '-wal', '-shm'].map((suffix) => join(dir, `${id}.sqlite${suffix}`))
  })
}
