/**
 * A gateway's outgoing flows, from the task's web tree (get_task_detail): each flow with the node it
 * leads to and its condition, so the operator skipping a failed gateway chooses a flow instead of typing
 * its id. A gateway inside a subprocess is found in that subprocess's tree.
 */
import { h } from './dom.ts'
import type { Gateway, TaskIds } from './gateway.ts'
import { renderOutcome } from './outcome.ts'

export interface OutgoingFlow {
  id: string
  /** The node the flow leads to, and its name when it has one. */
  target: string
  targetName: string
  /** The gateway's condition for this flow, as the template names and writes it. */
  condition?: { name: string; evaluate: string }
  isDefault: boolean
}

type Tree = Record<string, unknown>

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
const text = (value: unknown) => (typeof value === 'string' ? value : '')

/** The (sub)tree that holds gateway `gatewayId`, searching subprocesses depth first. */
function treeWith(tree: Tree, gatewayId: string): Tree | undefined {
  if (gatewayId in record(tree.gateways)) return tree
  for (const activity of Object.values(record(tree.activities))) {
    const pipeline = record(activity).pipeline
    const found = pipeline === undefined ? undefined : treeWith(record(pipeline), gatewayId)
    if (found) return found
  }
  return undefined
}

function nodeName(tree: Tree, id: string): string {
  const node = record(tree.activities)[id] ?? record(tree.gateways)[id] ?? [tree.start_event, tree.end_event].find((event) => record(event).id === id)
  return text(record(node).name)
}

/** The gateway's type (ExclusiveGateway, ConditionalParallelGateway, …) and the flows out of it, as the template defines them. */
export function outgoingFlows(tree: Tree, gatewayId: string): { type: string; flows: OutgoingFlow[] } | undefined {
  const holder = treeWith(tree, gatewayId)
  if (!holder) return undefined
  const gateway = record(record(holder.gateways)[gatewayId])
  const outgoing = Array.isArray(gateway.outgoing) ? gateway.outgoing.map(text) : [text(gateway.outgoing)]
  const conditions = record(gateway.conditions)
  const defaultFlow = text(record(gateway.default_condition).flow_id)
  const flows = outgoing
    .filter((id) => id !== '')
    .map((id) => {
      const flow = record(record(holder.flows)[id])
      const condition = record(conditions[id])
      const target = text(flow.target)
      return {
        id,
        target,
        targetName: nodeName(holder, target),
        ...(condition.evaluate !== undefined && { condition: { name: text(condition.name), evaluate: text(condition.evaluate) } }),
        isDefault: id === defaultFlow || flow.is_default === true,
      }
    })
  return { type: text(gateway.type), flows }
}

/** Reads the task's detail and finds the gateway's flows, or shows why they cannot be listed. */
export async function readOutgoingFlows(api: Gateway, ids: TaskIds, gatewayId: string): Promise<{ flows: OutgoingFlow[] } | { failure: HTMLElement }> {
  const outcome = await api.taskDetail(ids)
  if (outcome.kind !== 'done') return { failure: renderOutcome("Reading the gateway's flows (get_task_detail)", outcome) }
  const gateway = outgoingFlows(outcome.data.pipeline_tree, gatewayId)
  if (gateway?.type !== 'ExclusiveGateway') {
    const what = gateway ? `a ${gateway.type || 'gateway of no type'}` : "not in the task's tree"
    return { failure: h('p', { class: 'failed' }, `${gatewayId} is ${what}; skip_exg skips a failed exclusive gateway.`) }
  }
  return gateway.flows.length > 0 ? { flows: gateway.flows } : { failure: h('p', { class: 'failed' }, `The task's tree lists no outgoing flow of ${gatewayId}.`) }
}
