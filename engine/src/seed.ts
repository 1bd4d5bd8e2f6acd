/**
 * The demo seed (CONTRACT §9): the demo tasks with fixed ids, created and started through the same code
 * path as fast_create_task and operate_task. Idempotent: each step is a no-op when already done.
 */
import { DEMO_TASKS } from './demo/index.ts'
import type { Json } from './json.ts'
import { createTask, parseTaskTree, registryOf, taskObject } from './tasks.ts'

const DEMO_OPERATOR = 'admin'

export async function seedDemoTasks(env: Env): Promise<void> {
  for (const demo of DEMO_TASKS) {
    const parsed = parseTaskTree(demo.tree)
    if (!parsed.ok) throw new Error(`demo task ${demo.taskId} has an invalid tree: ${parsed.message}`)
    const project = await registryOf(env).ensureBusinessProject(demo.bizId)
    const tree = demo.tree as Json
    await createTask(env, { project, name: demo.name, tree, pipeline: parsed.pipeline, creator: DEMO_OPERATOR, taskId: demo.taskId })
    // "task already started" on a second run is the idempotent answer.
    if (demo.start) await taskObject(env, demo.taskId).start(project.id, DEMO_OPERATOR)
  }
}

/** The demo tasks as freshly seeded: each is forgotten, then seeded again (their ids stay registered). */
export async function resetDemoTasks(env: Env): Promise<void> {
  for (const demo of DEMO_TASKS) await taskObject(env, demo.taskId).forget()
  await seedDemoTasks(env)
}

let seeding: Promise<void> | undefined

/** Seeds once per isolate when ENGINE_DEMO_SEED is "true"; a failed seed is retried on the next request. */
export function seedOnce(env: Env): Promise<void> {
  if (env.ENGINE_DEMO_SEED !== 'true') return Promise.resolve()
  seeding ??= seedDemoTasks(env).catch((error: unknown) => {
    seeding = undefined
    console.error('engine demo seed failed:', error)
  })
  return seeding
}
