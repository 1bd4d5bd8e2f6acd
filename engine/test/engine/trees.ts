/** A compact way to write SOPS web trees for tests: nodes, edges between node ids, constants. */
type Spec =
  | { kind: 'start' | 'end' | 'parallel' | 'converge'; id: string }
  | { kind: 'activity'; id: string; code: string; inputs: Record<string, unknown>; flags: ActivityFlags; name: string }
  | { kind: 'subprocess'; id: string; name: string; tree: Record<string, unknown> }
  | { kind: 'exclusive' | 'conditional'; id: string; conditions: Record<string, string>; defaultTo?: string }

interface ActivityFlags {
  retryable?: boolean
  skippable?: boolean
  error_ignorable?: boolean
}

export const start = (id = 'start'): Spec => ({ kind: 'start', id })
export const end = (id = 'end'): Spec => ({ kind: 'end', id })
export const parallel = (id: string): Spec => ({ kind: 'parallel', id })
export const converge = (id: string): Spec => ({ kind: 'converge', id })

export const activity = (id: string, code: string, inputs: Record<string, unknown> = {}, flags: ActivityFlags = {}): Spec => ({
  kind: 'activity', id, code, inputs, flags, name: `Activity ${id}`,
})

export const subprocess = (id: string, tree: Record<string, unknown>): Spec => ({ kind: 'subprocess', id, name: `Subprocess ${id}`, tree })

/** Conditions keyed by the target node id; `defaultTo` names the default branch's target. */
export const exclusive = (id: string, conditions: Record<string, string>, defaultTo?: string): Spec => ({
  kind: 'exclusive', id, conditions, defaultTo,
})
export const conditional = (id: string, conditions: Record<string, string>, defaultTo?: string): Spec => ({
  kind: 'conditional', id, conditions, defaultTo,
})

export const flowId = (source: string, target: string) => `f_${source}_${target}`

/** Edges along a path: chain('a', 'b', 'c') is a→b, b→c. */
export const chain = (...ids: string[]): Array<[string, string]> => ids.slice(1).map((id, i) => [ids[i] as string, id])

export interface TreeOptions {
  /** Custom constants by name (`x` becomes `${x}`). */
  constants?: Record<string, unknown>
  /** Constants of a lazy variable type (src/engine/variables.ts): name → its custom_type and value. */
  lazy?: Record<string, { type: string; value: unknown }>
  /** Constants fed by node outputs: name → [node id, output key], with their initial value. */
  fromOutputs?: Record<string, { node: string; key: string; initial: unknown }>
  outputs?: string[]
  id?: string
}

export function webTree(nodes: Spec[], edges: Array<[string, string]>, options: TreeOptions = {}): Record<string, unknown> {
  const flows = Object.fromEntries(
    edges.map(([source, target]) => [flowId(source, target), { id: flowId(source, target), source, target, is_default: false }]),
  )
  const incoming = (id: string) => edges.filter(([, t]) => t === id).map(([s]) => flowId(s, id))
  const outgoing = (id: string) => edges.filter(([s]) => s === id).map(([, t]) => flowId(id, t))
  const single = (ids: string[]) => ids[0] ?? ''
  const activities: Record<string, unknown> = {}
  const gateways: Record<string, unknown> = {}
  let startEvent: unknown
  let endEvent: unknown
  for (const spec of nodes) {
    const base = { id: spec.id, incoming: incoming(spec.id), name: '' }
    switch (spec.kind) {
      case 'start':
        startEvent = { ...base, type: 'EmptyStartEvent', incoming: '', outgoing: single(outgoing(spec.id)) }
        break
      case 'end':
        endEvent = { ...base, type: 'EmptyEndEvent', outgoing: '' }
        break
      case 'activity':
        activities[spec.id] = {
          ...base,
          name: spec.name,
          type: 'ServiceActivity',
          outgoing: single(outgoing(spec.id)),
          component: {
            code: spec.code,
            data: Object.fromEntries(
              Object.entries(spec.inputs).map(([key, value]) => [key, { hook: typeof value === 'string' && value.includes('${'), value }]),
            ),
          },
          retryable: spec.flags.retryable ?? true,
          skippable: spec.flags.skippable ?? true,
          error_ignorable: spec.flags.error_ignorable ?? false,
        }
        break
      case 'subprocess':
        activities[spec.id] = {
          ...base, name: spec.name, type: 'SubProcess', outgoing: single(outgoing(spec.id)), pipeline: { ...spec.tree, id: spec.id },
        }
        break
      case 'parallel':
        gateways[spec.id] = { ...base, type: 'ParallelGateway', outgoing: outgoing(spec.id) }
        break
      case 'converge':
        gateways[spec.id] = { ...base, type: 'ConvergeGateway', outgoing: single(outgoing(spec.id)) }
        break
      case 'exclusive':
      case 'conditional':
        gateways[spec.id] = {
          ...base,
          type: spec.kind === 'exclusive' ? 'ExclusiveGateway' : 'ConditionalParallelGateway',
          outgoing: outgoing(spec.id),
          conditions: Object.fromEntries(
            Object.entries(spec.conditions).map(([target, evaluate]) => [flowId(spec.id, target), { evaluate }]),
          ),
          ...(spec.defaultTo ? { default_condition: { flow_id: flowId(spec.id, spec.defaultTo) } } : {}),
        }
        break
    }
  }
  const constant = (name: string, value: unknown, extra: Record<string, unknown> = {}) => [
    `\${${name}}`,
    { key: `\${${name}}`, name, value, show_type: 'show', source_type: 'custom', source_info: {}, ...extra },
  ]
  const constants = Object.fromEntries([
    ...Object.entries(options.constants ?? {}).map(([name, value]) => constant(name, value)),
    ...Object.entries(options.lazy ?? {}).map(([name, { type, value }]) => constant(name, value, { custom_type: type })),
    ...Object.entries(options.fromOutputs ?? {}).map(([name, { node, key, initial }]) =>
      constant(name, initial, { show_type: 'hide', source_type: 'component_outputs', source_info: { [node]: [key] } }),
    ),
  ])
  return {
    ...(options.id ? { id: options.id } : {}),
    start_event: startEvent,
    end_event: endEvent,
    activities,
    gateways,
    flows,
    constants,
    outputs: options.outputs ?? [],
  }
}

/** start → the activity → end. */
export const single = (id: string, code: string, inputs: Record<string, unknown> = {}, flags: ActivityFlags = {}) =>
  webTree([start(), activity(id, code, inputs, flags), end()], chain('start', id, 'end'))
