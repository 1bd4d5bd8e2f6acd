/** Creating tasks from SOPS web trees (fast_create_task, the demo seed), and finding their objects. */
import { COMPONENTS } from './components.ts'
import type { Json } from './json.ts'
import type { Pipeline } from './pipeline.ts'
import type { Project } from './registry.ts'
import type { TaskCallback } from './task-callback.ts'
import { parseWebTree } from './tree.ts'

export const registryOf = (env: Env) => env.ENGINE_REGISTRY.get(env.ENGINE_REGISTRY.idFromName('registry'))

export const taskObject = (env: Env, taskId: number) => env.ENGINE_TASKS.get(env.ENGINE_TASKS.idFromName(String(taskId)))

export type ParsedTree = { ok: true; pipeline: Pipeline } | { ok: false; message: string }

/** Validates a SOPS web tree and checks that this engine can run its components. */
export function parseTaskTree(tree: unknown): ParsedTree {
  const parsed = parseWebTree(tree)
  if (!parsed.ok) return parsed
  const unavailable = unavailableComponent(parsed.pipeline)
  return unavailable ? { ok: false, message: unavailable } : parsed
}

export interface NewTask {
  project: Project
  name: string
  tree: Json
  pipeline: Pipeline
  creator: string
  templateId?: number
  /** SOPS's create_method; api unless said otherwise. */
  createMethod?: string
  callback?: TaskCallback
  /** Fixed ids are for the demo seed; creating the same one twice changes nothing. */
  taskId?: number
}

/** Registers the task and stores it in its own object; returns its id. */
export async function createTask(env: Env, task: NewTask): Promise<number> {
  const taskId = await registryOf(env).registerTask(task.project.id, task.name, task.taskId)
  await taskObject(env, taskId).create({
    taskId,
    projectId: task.project.id,
    name: task.name,
    webTree: task.tree,
    pipeline: task.pipeline,
    creator: task.creator,
    templateId: task.templateId,
    createMethod: task.createMethod ?? 'api',
    callback: task.callback,
  })
  return taskId
}
/** Only the demo components run here (CONTRACT §8): say so at creation, not when the node runs. */
function unavailableComponent(pipeline: Pipeline): string | undefined {
  for (const node of Object.values(pipeline.nodes)) {
    if (node.type === 'SubProcess') {
      const inner = unavailableComponent(node.pipeline)
      if (inner) return inner
    }
    if (node.type === 'ServiceActivity' && !Object.hasOwn(COMPONENTS, node.component.code)) {
      return `component "${node.component.code}" of node ${node.id} is not available; this engine runs ${Object.keys(COMPONENTS).join(', ')}`
    }
  }
  return undefined
}
