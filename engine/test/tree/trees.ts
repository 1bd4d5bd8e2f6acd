/**
 * A compact way to write web trees in tests: name the nodes by kind, list the flows as
 * `"id:source>target"`, and get a SOPS web tree whose incoming/outgoing lists agree with the flows.
 */
export type Kind = 'start' | 'end' | 'act' | 'sub' | 'xor' | 'cpg' | 'par' | 'join'

// Trees are JSON that tests then bend out of shape on purpose, so they are loosely typed.
export type Json = any

const TYPES: Record<Kind, string> = {
  start: 'EmptyStartEvent',
  end: 'EmptyEndEvent',
  act: 'ServiceActivity',
  sub: 'SubProcess',
  xor: 'ExclusiveGateway',
  cpg: 'ConditionalParallelGateway',
  par: 'ParallelGateway',
  join: 'ConvergeGateway',
}

/** Gateways list their flows; the other nodes name their single flow as a string, as SOPS trees do. */
const LISTS: Kind[] = ['xor', 'cpg', 'par', 'join']

export function webTree(nodes: Record<string, Kind>, flows: string[], subprocesses: Record<string, Json> = {}): Json {
  const parsedFlows = flows.map((text) => {
    const match = /^(\w+):(\w+)>(\w+)$/.exec(text)
    if (!match) throw new Error(`bad flow ${text}`)
    const [, id = '', source = '', target = ''] = match
    return { id, source, target, is_default: false }
  })
  const tree: Json = { activities: {}, gateways: {}, flows: {}, constants: {}, outputs: [] }
  for (const [id, kind] of Object.entries(nodes)) {
    const incoming = parsedFlows.filter((flow) => flow.target === id).map((flow) => flow.id)
    const outgoing = parsedFlows.filter((flow) => flow.source === id).map((flow) => flow.id)
    const asField = (ids: string[], list: boolean) => (list ? ids : ids.length === 1 ? ids[0] : ids.length ? ids : '')
    const node: Json = {
      id,
      type: TYPES[kind],
      name: id,
      incoming: asField(incoming, LISTS.includes(kind) || kind === 'end'),
      outgoing: asField(outgoing, LISTS.includes(kind)),
    }
    if (kind === 'start') tree.start_event = node
    else if (kind === 'end') tree.end_event = node
    else if (kind === 'act') tree.activities[id] = { ...node, component: { code: 'noop', data: {} } }
    else if (kind === 'sub') tree.activities[id] = { ...node, pipeline: subprocesses[id] }
    else tree.gateways[id] = kind === 'xor' || kind === 'cpg' ? { ...node, conditions: {} } : node
  }
  for (const flow of parsedFlows) tree.flows[flow.id] = flow
  return tree
}

/** start → A → end */
export function smallestTree(): Json {
  return webTree({ s: 'start', A: 'act', e: 'end' }, ['f1:s>A', 'f2:A>e'])
}

/** The parallel variant of engine-reference §5.4: start → A → P(B | C) → J → end. */
export function parallelTree(kind: Kind = 'par'): Json {
  return webTree({ s: 'start', A: 'act', P: kind, B: 'act', C: 'act', J: 'join', e: 'end' }, [
    'f1:s>A',
    'f2:A>P',
    'f3:P>B',
    'f4:P>C',
    'f5:B>J',
    'f6:C>J',
    'f7:J>e',
  ])
}
