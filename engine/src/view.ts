/** What every SOPS view of the engine gets, and the answers they share (SOPS's envelope, project_inject's refusal). */
import type { Json, JsonObject } from './json.ts'
import type { Project } from './registry.ts'
import { CONTENT_NOT_EXIST } from './sops.ts'
import { registryOf } from './tasks.ts'

export interface Route {
  method: 'GET' | 'POST'
  /** Below `/apigw/`, as SOPS's urls.py names it; the ids it captures are the view's `params`. */
  path: string
  view: (call: Call) => Promise<Response>
}

/** SOPS's task page, relative to its site (this engine has none). */
export const taskUrl = (projectId: number, taskId: number) => `/taskflow/execute/${projectId}/?instance_id=${taskId}`

export interface Call {
  env: Env
  traceId: string
  operator: string
  /** The ids in the path, by SOPS's names (project_id, task_id, template_id). */
  params: Record<string, string>
  body: JsonObject
  query: URLSearchParams
  scope: string
}

/** A JSON reply; the views' own answers carry trace_id, the inner decorators' and middleware's do not. */
export function reply(body: JsonObject, traceId: string, withTraceId = true): Response {
  return new Response(JSON.stringify(withTraceId ? { ...body, trace_id: traceId } : body), {
    headers: { 'Content-Type': 'application/json', 'Sops-Trace-Id': traceId },
  })
}

export const projectMissing = (call: Call, id: string) =>
  reply({ result: false, message: `project(${id}) with scope(${call.scope}) does not exist.`, code: CONTENT_NOT_EXIST }, call.traceId, false)

export function findProject(call: Call, id: string): Promise<Project | null> {
  return registryOf(call.env).findProject(id, call.scope)
}

export function pick<K extends string>(body: JsonObject, keys: readonly K[]): Partial<Record<K, Json>> {
  return Object.fromEntries(keys.filter((key) => key in body).map((key) => [key, body[key] as Json])) as Partial<Record<K, Json>>
}
