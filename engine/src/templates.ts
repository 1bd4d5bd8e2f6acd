/**
 * Flow templates and the task a template makes (SOPS's create_pipeline_instance_exclude_task_nodes):
 * the caller's constant values, and the optional activities left out, their flows joined around them.
 */
import { DEMO_TEMPLATES, type DemoTemplate } from './demo/templates.ts'
import type { Json, JsonObject } from './json.ts'

export type Template = DemoTemplate

export const templatesOf = (bizId: string): Template[] => DEMO_TEMPLATES.filter((t) => t.bizId === bizId)

export const findTemplate = (bizId: string, id: string): Template | undefined =>
  templatesOf(bizId).find((t) => String(t.id) === id)

type Tree = { activities: Record<string, Node>; flows: Record<string, Flow>; constants: Record<string, { value: Json }>; end_event: Node; gateways: Record<string, Node> }
type Node = { id: string; incoming: string[] | string; outgoing: string[] | string; optional?: boolean }
type Flow = { id: string; source: string; target: string }

/** The task's web tree, or why it cannot be made. */
export function instantiate(template: Template, constants: JsonObject, exclude: readonly string[]): { tree: JsonObject } | { error: string } {
  const tree = structuredClone(template.tree) as unknown as Tree
  for (const [key, value] of Object.entries(constants)) {
    const constant = tree.constants[key]
    if (constant) constant.value = value
  }
  for (const nodeId of exclude) {
    const node = tree.activities[nodeId]
    // SOPS: only a node marked optional may be left out.
    if (!node?.optional) return { error: `node[${nodeId}] is not optional and can not be excluded` }
    const [inFlow] = [node.incoming].flat()
    const [outFlow] = [node.outgoing].flat()
    const incoming = inFlow ? tree.flows[inFlow] : undefined
    const outgoing = outFlow ? tree.flows[outFlow] : undefined
    if (!incoming || !outgoing) return { error: `node[${nodeId}] can not be excluded` }
    // The flow into the node now leads where the node led; the node and its outgoing flow go.
    incoming.target = outgoing.target
    const next = tree.activities[outgoing.target] ?? tree.gateways[outgoing.target] ?? (tree.end_event.id === outgoing.target ? tree.end_event : undefined)
    if (next) next.incoming = Array.isArray(next.incoming) ? next.incoming.map((f) => (f === outFlow ? inFlow! : f)) : inFlow!
    delete tree.flows[outFlow!]
    delete tree.activities[nodeId]
  }
  return { tree: tree as unknown as JsonObject }
}
