import { describe, expect, it } from 'vitest'
import type { Pipeline } from '../../src/pipeline.ts'
import { parseWebTree } from '../../src/tree.ts'
import reference54 from './reference-5.4.json' with { type: 'json' }
import reference55 from './reference-5.5.json' with { type: 'json' }
import { type Json, parallelTree, smallestTree, webTree } from './trees.ts'

function parse(tree: unknown): Pipeline {
  const result = parseWebTree(tree)
  if (!result.ok) throw new Error(`expected a valid tree, got: ${result.message}`)
  return result.pipeline
}

function rejection(tree: unknown): string {
  const result = parseWebTree(tree)
  if (result.ok) throw new Error('expected the tree to be rejected')
  return result.message
}

/** A copy of a tree, bent by `change`. */
function changed(tree: Json, change: (tree: Json) => void): Json {
  const copy = structuredClone(tree)
  change(copy)
  return copy
}

describe('the engine-reference §5.4 example', () => {
  it('parses to the expected model', () => {
    const pipeline = parse(reference54)
    expect(pipeline.id).toMatch(/^p[0-9a-f]{32}$/)
    const activity = (id: string, name: string, errorIgnorable = false) => ({
      id,
      name,
      type: 'ServiceActivity',
      retryable: true,
      skippable: true,
      errorIgnorable,
    })
    expect(pipeline).toEqual({
      id: pipeline.id,
      startEventId: 'nstart',
      endEventId: 'nend',
      nodes: {
        nstart: { id: 'nstart', name: '', type: 'EmptyStartEvent', incoming: [], outgoing: ['l1'] },
        nend: { id: 'nend', name: '', type: 'EmptyEndEvent', incoming: ['l7'], outgoing: [] },
        nA: {
          ...activity('nA', 'A'),
          incoming: ['l1'],
          outgoing: ['l2'],
          component: { code: 'pause_node', version: 'legacy', inputs: {} },
        },
        nB: {
          ...activity('nB', 'B'),
          incoming: ['l3'],
          outgoing: ['l5'],
          component: { code: 'noop', inputs: { x: { hook: true, value: '${x}' } } },
        },
        nC: {
          ...activity('nC', 'C', true),
          incoming: ['l4'],
          outgoing: ['l6'],
          component: { code: 'noop', inputs: {} },
        },
        gX: {
          id: 'gX',
          name: '',
          type: 'ExclusiveGateway',
          incoming: ['l2'],
          outgoing: ['l3', 'l4'],
          conditions: { l3: '${x} > 1', l4: '${x} <= 1' },
        },
        gC: { id: 'gC', name: '', type: 'ConvergeGateway', incoming: ['l5', 'l6'], outgoing: ['l7'] },
      },
      flows: Object.fromEntries(
        [
          ['l1', 'nstart', 'nA'],
          ['l2', 'nA', 'gX'],
          ['l3', 'gX', 'nB'],
          ['l4', 'gX', 'nC'],
          ['l5', 'nB', 'gC'],
          ['l6', 'nC', 'gC'],
          ['l7', 'gC', 'nend'],
        ].map(([id, source, target]) => [id, { id, source, target, isDefault: false }]),
      ),
      constants: {
        '${x}': { key: '${x}', name: 'x', value: '2', showType: 'show', sourceType: 'custom', sourceInfo: {}, customType: 'input' },
      },
      outputs: [],
    })
  })

  it('gets a fresh root id each time, and keeps one the tree gives', () => {
    expect(parse(reference54).id).not.toBe(parse(reference54).id)
    expect(parse({ ...reference54, id: 'proot' }).id).toBe('proot')
  })
})

describe('subprocesses', () => {
  it('parses the engine-reference §5.5 tree; the nested pipeline takes the activity id', () => {
    const pipeline = parse(reference55)
    expect(pipeline.id).toBe('proot')
    const sub = pipeline.nodes.sp
    expect(sub?.type).toBe('SubProcess')
    if (sub?.type !== 'SubProcess') return
    expect(sub.pipeline.id).toBe('sp')
    expect(sub.pipeline.startEventId).toBe('s2')
    expect(sub.pipeline.endEventId).toBe('e2')
    expect(Object.keys(sub.pipeline.nodes)).toEqual(['s2', 'e2', 'a'])
    expect(sub.pipeline.flows.g2).toEqual({ id: 'g2', source: 'a', target: 'e2', isDefault: false })
  })

  it('parses a web subprocess with its own constants and its own parallel block', () => {
    const inner = parallelTree()
    inner.id = 'ignored: SOPS sets it to the activity id'
    inner.constants['${who}'] = { key: '${who}', name: 'who', value: '${owner}', show_type: 'show' }
    const outer = webTree({ s: 'start', sp: 'sub', e: 'end' }, ['x1:s>sp', 'x2:sp>e'], { sp: renamed(inner, 'in_') })
    outer.constants['${owner}'] = { key: '${owner}', value: 'admin' }
    const sub = parse(outer).nodes.sp
    if (sub?.type !== 'SubProcess') throw new Error('sp is not a SubProcess')
    expect(sub.pipeline.id).toBe('sp')
    expect(sub.pipeline.nodes.in_P).toMatchObject({ type: 'ParallelGateway', convergeGatewayId: 'in_J' })
    expect(sub.pipeline.constants['${who}']).toEqual({
      key: '${who}',
      name: 'who',
      value: '${owner}',
      showType: 'show',
      sourceType: 'custom',
      sourceInfo: {},
    })
  })
})

/** The same tree with every node and flow id prefixed, so it can sit inside another tree. */
function renamed(tree: Json, prefix: string): Json {
  const text = JSON.stringify(tree).replace(/"(s|e|A|B|C|P|J|f\d)"/g, `"${prefix}$1"`)
  return JSON.parse(text)
}

describe('valid trees', () => {
  const cases: { name: string; tree: Json; check?: (pipeline: Pipeline) => void }[] = [
    {
      name: 'the smallest tree: start → activity → end',
      tree: smallestTree(),
      check: (p) => expect(Object.keys(p.nodes)).toEqual(['s', 'e', 'A']),
    },
    {
      name: 'a parallel gateway finds its converge gateway',
      tree: parallelTree(),
      check: (p) => expect(p.nodes.P).toMatchObject({ type: 'ParallelGateway', convergeGatewayId: 'J' }),
    },
    {
      name: 'a conditional parallel gateway, with a default flow named by default_condition',
      tree: changed(parallelTree('cpg'), (t) => {
        t.gateways.P.conditions = { f3: { evaluate: '${x} == 1' } }
        t.gateways.P.default_condition = { flow_id: 'f4', name: 'otherwise' }
      }),
      check: (p) => {
        expect(p.nodes.P).toMatchObject({
          type: 'ConditionalParallelGateway',
          conditions: { f3: '${x} == 1' },
          defaultFlowId: 'f4',
          convergeGatewayId: 'J',
        })
        expect(p.flows.f4?.isDefault).toBe(true)
        expect(p.flows.f3?.isDefault).toBe(false)
      },
    },
    {
      name: 'an exclusive gateway whose default flow is marked on the flow, with an empty default_condition',
      tree: changed(xorTree(), (t) => {
        t.flows.f4.is_default = true
        t.gateways.X.default_condition = {}
      }),
      check: (p) => {
        expect(p.nodes.X).toMatchObject({ type: 'ExclusiveGateway', defaultFlowId: 'f4' })
        expect(p.nodes.X).not.toHaveProperty('convergeGatewayId')
        expect(p.flows.f4?.isDefault).toBe(true)
      },
    },
    {
      name: 'an exclusive branch that loops back to an earlier activity (cycles are tolerated)',
      tree: webTree({ s: 'start', A: 'act', X: 'xor', B: 'act', e: 'end' }, [
        'f1:s>A',
        'f2:A>X',
        'f3:X>e',
        'f4:X>B',
        'f5:B>A',
      ]),
      check: (p) => expect(p.nodes.A?.incoming).toEqual(['f1', 'f5']),
    },
    {
      name: 'an exclusive gateway with one branch to the end and one through a converge gateway',
      tree: webTree({ s: 'start', X: 'xor', A: 'act', J: 'join', B: 'act', e: 'end' }, [
        'f1:s>X',
        'f2:X>e',
        'f3:X>A',
        'f4:A>J',
        'f5:J>B',
        'f6:B>e',
      ]),
    },
    {
      name: 'exclusive branches may meet at an activity before the converge gateway',
      tree: webTree({ s: 'start', X: 'xor', A: 'act', e: 'end' }, ['f1:s>X', 'f2:X>A', 'f3:X>A', 'f4:A>e']),
    },
    {
      name: 'a parallel block nested in a parallel branch',
      tree: webTree(
        { s: 'start', P: 'par', Q: 'par', A: 'act', B: 'act', K: 'join', C: 'act', J: 'join', e: 'end' },
        ['f1:s>P', 'f2:P>Q', 'f3:Q>A', 'f4:Q>B', 'f5:A>K', 'f6:B>K', 'f7:K>J', 'f8:P>C', 'f9:C>J', 'f10:J>e'],
      ),
      check: (p) => {
        expect(p.nodes.P).toMatchObject({ convergeGatewayId: 'J' })
        expect(p.nodes.Q).toMatchObject({ convergeGatewayId: 'K' })
      },
    },
    {
      name: "an exclusive gateway inside a parallel branch may share the parallel gateway's converge gateway",
      tree: webTree({ s: 'start', P: 'par', X: 'xor', A: 'act', B: 'act', C: 'act', J: 'join', e: 'end' }, [
        'f1:s>P',
        'f2:P>X',
        'f3:X>A',
        'f4:X>B',
        'f5:A>J',
        'f6:B>J',
        'f7:P>C',
        'f8:C>J',
        'f9:J>e',
      ]),
      check: (p) => expect(p.nodes.P).toMatchObject({ convergeGatewayId: 'J' }),
    },
    {
      name: 'a retry loop that stays inside a parallel branch',
      tree: webTree({ s: 'start', P: 'par', A: 'act', X: 'xor', B: 'act', J: 'join', e: 'end' }, [
        'f1:s>P',
        'f2:P>A',
        'f3:A>X',
        'f4:X>A',
        'f5:X>J',
        'f6:P>B',
        'f7:B>J',
        'f8:J>e',
      ]),
      check: (p) => expect(p.nodes.P).toMatchObject({ convergeGatewayId: 'J' }),
    },
    {
      name: "an exclusive gateway may share a parallel block's converge gateway from outside it",
      tree: webTree({ s: 'start', X: 'xor', P: 'par', A: 'act', B: 'act', C: 'act', J: 'join', e: 'end' }, [
        'f1:s>X',
        'f2:X>P',
        'f3:P>A',
        'f4:P>B',
        'f5:A>J',
        'f6:B>J',
        'f7:X>C',
        'f8:C>J',
        'f9:J>e',
      ]),
      check: (p) => expect(p.nodes.P).toMatchObject({ convergeGatewayId: 'J' }),
    },
    {
      name: 'a loop back into a converge gateway on the main path',
      tree: webTree({ s: 'start', A: 'act', J: 'join', B: 'act', X: 'xor', e: 'end' }, [
        'f1:s>A',
        'f2:A>J',
        'f3:J>B',
        'f4:B>X',
        'f5:X>J',
        'f6:X>e',
      ]),
    },
    {
      name: 'activity flags: defaults, and error_ignorable forces skippable',
      tree: changed(smallestTree(), (t) => {
        t.activities.A.error_ignorable = true
        t.activities.A.skippable = false
        t.activities.A.retryable = false
      }),
      check: (p) => expect(p.nodes.A).toMatchObject({ retryable: false, skippable: true, errorIgnorable: true }),
    },
    {
      name: 'incoming as a plain string; line and location are ignored',
      tree: changed(smallestTree(), (t) => {
        t.end_event.incoming = 'f2'
        t.line = [{ id: 'f1' }]
        t.location = [{ id: 's', x: 1, y: 2 }]
      }),
      check: (p) => expect(p.nodes.e?.incoming).toEqual(['f2']),
    },
    {
      name: 'outputs and component_outputs constants',
      tree: changed(smallestTree(), (t) => {
        t.constants['${result}'] = {
          key: '${result}',
          name: 'result',
          value: '',
          show_type: 'hide',
          source_type: 'component_outputs',
          source_info: { A: ['_result'] },
        }
        t.outputs = ['${result}']
      }),
      check: (p) => {
        expect(p.outputs).toEqual(['${result}'])
        expect(p.constants['${result}']).toMatchObject({ sourceType: 'component_outputs', sourceInfo: { A: ['_result'] } })
      },
    },
  ]

  it.each(cases)('$name', ({ tree, check }) => {
    const pipeline = parse(tree)
    check?.(pipeline)
  })
})

/** start → X(A | B) → J → end */
function xorTree(): Json {
  return webTree({ s: 'start', X: 'xor', A: 'act', B: 'act', J: 'join', e: 'end' }, [
    'f1:s>X',
    'f3:X>A',
    'f4:X>B',
    'f5:A>J',
    'f6:B>J',
    'f7:J>e',
  ])
}

describe('invalid trees', () => {
  const cases: { name: string; tree: unknown; message: string }[] = [
    // Shape
    { name: 'not an object', tree: [], message: 'tree: Invalid input: expected object, received array' },
    {
      name: 'no start event',
      tree: changed(smallestTree(), (t) => delete t.start_event),
      message: 'start_event: Invalid input: expected object, received undefined',
    },
    {
      name: 'an activity of unknown type',
      tree: changed(smallestTree(), (t) => (t.activities.A.type = 'ScriptTask')),
      message: "activities.A.type: Invalid discriminator value. Expected 'ServiceActivity' | 'SubProcess'",
    },
    {
      name: 'an activity without component code',
      tree: changed(smallestTree(), (t) => delete t.activities.A.component.code),
      message: 'activities.A.component.code: Invalid input: expected string, received undefined',
    },
    {
      name: 'incoming that is neither a flow id nor a list',
      tree: changed(smallestTree(), (t) => (t.end_event.incoming = 7)),
      message: 'end_event.incoming: expected a flow id or a list of flow ids',
    },
    {
      name: 'a SubProcess without pipeline',
      tree: webTree({ s: 'start', sp: 'sub', e: 'end' }, ['f1:s>sp', 'f2:sp>e']),
      message: 'activities.sp.pipeline: Invalid input: expected object, received undefined',
    },
    {
      name: 'a bad shape inside a subprocess names the full path',
      tree: webTree({ s: 'start', sp: 'sub', e: 'end' }, ['f1:s>sp', 'f2:sp>e'], {
        sp: changed(renamed(smallestTree(), 'in_'), (t) => (t.activities.in_A.retryable = 'yes')),
      }),
      message: 'activities.sp.pipeline.activities.in_A.retryable: Invalid input: expected boolean, received string',
    },
    // Ids
    {
      name: 'a key that differs from the id',
      tree: changed(smallestTree(), (t) => (t.activities.A.id = 'Z')),
      message: 'activities.A: the key differs from its id "Z"',
    },
    {
      name: 'a node and a flow with the same id',
      tree: webTree({ s: 'start', A: 'act', e: 'end' }, ['A:s>e']),
      message: 'id "A" is used twice: activities.A and flows.A',
    },
    {
      name: 'an id used again inside a subprocess',
      tree: webTree({ s: 'start', sp: 'sub', e: 'end' }, ['f1:s>sp', 'f2:sp>e'], { sp: smallestTree() }),
      message: 'id "s" is used twice: start_event and activities.sp.pipeline.start_event',
    },
    {
      name: 'the root pipeline id reused as a node id',
      tree: { ...smallestTree(), id: 'A' },
      message: 'id "A" is used twice: the pipeline id and activities.A',
    },
    {
      name: 'an id that would shadow an object property',
      tree: webTree({ s: 'start', ['constructor']: 'act' as const, e: 'end' }, ['f1:s>constructor', 'f2:constructor>e']),
      message: 'activities.constructor: the id "constructor" is reserved',
    },
    {
      name: 'a __proto__ id, which JSON parsing keeps but no node map can hold',
      tree: JSON.parse(JSON.stringify(smallestTree()).replaceAll('"A"', '"__proto__"')),
      message: 'flow f1: its target __proto__ is not a node of this pipeline',
    },
    // Flows and nodes agree
    {
      name: 'a flow from a node that does not exist',
      tree: changed(smallestTree(), (t) => (t.flows.f2.source = 'ghost')),
      message: 'flow f2: its source ghost is not a node of this pipeline',
    },
    {
      name: 'a flow to a node that does not exist',
      tree: changed(smallestTree(), (t) => (t.flows.f2.target = 'ghost')),
      message: 'flow f2: its target ghost is not a node of this pipeline',
    },
    {
      name: 'a flow its source does not list',
      tree: changed(smallestTree(), (t) => (t.activities.A.outgoing = '')),
      message: 'flow f2: its source A does not list it among its outgoing flows',
    },
    {
      name: 'a flow its target does not list',
      tree: changed(smallestTree(), (t) => (t.end_event.incoming = [])),
      message: 'flow f2: its target e does not list it among its incoming flows',
    },
    {
      name: 'a node listing a flow that does not exist',
      tree: changed(smallestTree(), (t) => (t.end_event.incoming = ['f2', 'f9'])),
      message: 'node e: its incoming flow f9 does not exist',
    },
    {
      name: 'a node listing a flow that ends elsewhere',
      tree: changed(smallestTree(), (t) => (t.end_event.incoming = ['f2', 'f1'])),
      message: 'node e: its incoming flow f1 has target A, not e',
    },
    {
      name: 'a node listing a flow twice',
      tree: changed(smallestTree(), (t) => (t.end_event.incoming = ['f2', 'f2'])),
      message: 'node e: a flow is listed twice in incoming',
    },
    // Degrees
    {
      name: 'an isolated node',
      tree: changed(smallestTree(), (t) => {
        t.activities.Z = { ...t.activities.A, id: 'Z', incoming: '', outgoing: '' }
      }),
      message: 'node Z: the ServiceActivity is isolated, with no incoming or outgoing flow',
    },
    {
      name: 'an activity with two outgoing flows',
      tree: webTree({ s: 'start', A: 'act', B: 'act', e: 'end' }, ['f1:s>A', 'f2:A>B', 'f3:A>e', 'f4:B>e']),
      message: 'node A: a ServiceActivity needs exactly 1 outgoing flow, found 2',
    },
    {
      name: 'an activity without incoming flow',
      tree: webTree({ s: 'start', A: 'act', B: 'act', e: 'end' }, ['f1:s>A', 'f2:A>e', 'f3:B>e']),
      message: 'node B: a ServiceActivity needs at least 1 incoming flow, found 0',
    },
    {
      name: 'a start event with an incoming flow',
      tree: webTree({ s: 'start', A: 'act', e: 'end' }, ['f1:s>A', 'f2:A>s', 'f3:s>e']),
      message: 'node s: an EmptyStartEvent needs no incoming flows, found 1',
    },
    {
      name: 'a start event with two outgoing flows',
      tree: webTree({ s: 'start', A: 'act', B: 'act', e: 'end' }, ['f1:s>A', 'f2:s>B', 'f3:A>e', 'f4:B>e']),
      message: 'node s: an EmptyStartEvent needs exactly 1 outgoing flow, found 2',
    },
    {
      name: 'an end event with an outgoing flow',
      tree: webTree({ s: 'start', A: 'act', e: 'end' }, ['f1:s>A', 'f2:A>e', 'f3:e>A']),
      message: 'node e: an EmptyEndEvent needs no outgoing flows, found 1',
    },
    {
      name: 'a converge gateway with two outgoing flows',
      tree: changed(parallelTree(), (t) => {
        t.gateways.J.outgoing = ['f7', 'f8']
        t.flows.f8 = { id: 'f8', source: 'J', target: 'e' }
        t.end_event.incoming = ['f7', 'f8']
      }),
      message: 'node J: a ConvergeGateway needs exactly 1 outgoing flow, found 2',
    },
    {
      name: 'a dead-end exclusive gateway',
      tree: webTree({ s: 'start', X: 'xor', A: 'act', Y: 'xor', e: 'end' }, ['f1:s>X', 'f2:X>A', 'f3:A>e', 'f4:X>Y']),
      message: 'node Y: an ExclusiveGateway needs at least 1 outgoing flow, found 0',
    },
    // Start, reachability
    {
      name: 'start straight to the end',
      tree: webTree({ s: 'start', e: 'end' }, ['f1:s>e']),
      message: 'node s: the start event may not lead straight to the end event e',
    },
    {
      name: 'a node the start never reaches',
      tree: webTree({ s: 'start', A: 'act', B: 'act', C: 'act', e: 'end' }, ['f1:s>A', 'f2:A>e', 'f3:B>C', 'f4:C>B']),
      message: 'node B: it cannot be reached from the start event',
    },
    // Conditions and defaults
    {
      name: 'a condition on a flow the gateway does not own',
      tree: changed(xorTree(), (t) => (t.gateways.X.conditions = { f5: { evaluate: 'True' } })),
      message: 'node X: the condition for flow f5 names a flow that is not one of its outgoing flows',
    },
    {
      name: 'a condition on a flow that does not exist',
      tree: changed(xorTree(), (t) => (t.gateways.X.conditions = { nope: { evaluate: 'True' } })),
      message: 'node X: the condition for flow nope names a flow that does not exist',
    },
    {
      name: 'a default flow the gateway does not own',
      tree: changed(xorTree(), (t) => (t.gateways.X.default_condition = { flow_id: 'f7' })),
      message: 'node X: the default flow f7 is not one of its outgoing flows',
    },
    {
      name: 'a default flow leaving an activity',
      tree: changed(smallestTree(), (t) => (t.flows.f2.is_default = true)),
      message: 'flow f2: only a flow leaving an ExclusiveGateway or ConditionalParallelGateway can be the default',
    },
    {
      name: 'two default flows, one named and one marked',
      tree: changed(xorTree(), (t) => {
        t.gateways.X.default_condition = { flow_id: 'f3' }
        t.flows.f4.is_default = true
      }),
      message: 'node X: it has two default flows, f3 and f4',
    },
    {
      name: 'two flows marked default',
      tree: changed(xorTree(), (t) => {
        t.flows.f3.is_default = true
        t.flows.f4.is_default = true
      }),
      message: 'node X: it has two default flows, f3 and f4',
    },
    // Gateway pairing
    {
      name: 'parallel branches meeting different converge gateways',
      tree: webTree({ s: 'start', P: 'par', A: 'act', B: 'act', C: 'act', J: 'join', K: 'join', e: 'end' }, [
        'f1:s>P',
        'f2:P>A',
        'f3:P>B',
        'f4:P>C',
        'f5:A>J',
        'f6:B>J',
        'f7:C>K',
        'f8:J>K',
        'f9:K>e',
      ]),
      message:
        'node P: the branches of a ParallelGateway must all converge at one converge gateway, but they meet J and K',
    },
    {
      name: 'a parallel branch that reaches the end event',
      tree: webTree({ s: 'start', P: 'par', A: 'act', B: 'act', e: 'end' }, ['f1:s>P', 'f2:P>A', 'f3:P>B', 'f4:A>e', 'f5:B>e']),
      message:
        'node P: every branch of a ParallelGateway must reach its converge gateway, but the branch through flow f2 reaches the end event',
    },
    {
      name: 'a conditional parallel branch that loops back before the gateway',
      tree: webTree({ s: 'start', A: 'act', P: 'cpg', B: 'act', C: 'act', J: 'join', e: 'end' }, [
        'f1:s>A',
        'f2:A>P',
        'f3:P>B',
        'f4:B>A',
        'f5:P>C',
        'f6:C>J',
        'f7:J>e',
      ]),
      message:
        'node P: every branch of a ConditionalParallelGateway must reach its converge gateway, but the branch through flow f3 loops back out of the parallel branch through flow f4',
    },
    {
      name: 'an exclusive gateway inside a parallel branch with a branch to the end event',
      tree: webTree({ s: 'start', P: 'par', X: 'xor', A: 'act', B: 'act', J: 'join', e: 'end' }, [
        'f1:s>P',
        'f2:P>X',
        'f3:X>A',
        'f4:X>e',
        'f5:A>J',
        'f6:P>B',
        'f7:B>J',
        'f8:J>e',
      ]),
      message:
        'node X: inside a parallel branch, every branch of an ExclusiveGateway must reach a converge gateway, but the branch through flow f4 reaches the end event',
    },
    {
      name: 'a converge gateway joining two parallel gateways',
      tree: webTree({ s: 'start', P: 'par', Q: 'par', A: 'act', B: 'act', C: 'act', J: 'join', e: 'end' }, [
        'f1:s>P',
        'f2:P>Q',
        'f3:Q>A',
        'f4:Q>B',
        'f5:A>J',
        'f6:B>J',
        'f7:P>C',
        'f8:C>J',
        'f9:J>e',
      ]),
      message: 'node J: a converge gateway joins the branches of one parallel gateway only, but it joins both Q and P',
    },
    {
      name: 'two parallel branches sharing a node',
      tree: webTree({ s: 'start', P: 'par', A: 'act', B: 'act', J: 'join', e: 'end' }, [
        'f1:s>P',
        'f2:P>A',
        'f3:P>A',
        'f4:A>J',
        'f5:P>B',
        'f6:B>J',
        'f7:J>e',
      ]),
      message:
        'node A: it lies on two branches of ParallelGateway P (flows f2 and f3); parallel branches may only meet at their converge gateway',
    },
    {
      name: 'a parallel branch entered from outside the block',
      tree: webTree(
        { s: 'start', X: 'xor', P: 'par', A: 'act', B: 'act', C: 'act', J: 'join', K: 'join', e: 'end' },
        ['f1:s>X', 'f2:X>P', 'f3:P>A', 'f4:P>B', 'f5:A>J', 'f6:B>J', 'f7:J>K', 'f8:X>C', 'f9:C>A', 'f10:K>e'],
      ),
      message: 'node A: flow f9 enters a branch of ParallelGateway P from outside it',
    },
    {
      name: 'exclusive branches meeting different converge gateways',
      tree: webTree({ s: 'start', X: 'xor', A: 'act', B: 'act', J: 'join', K: 'join', Y: 'xor', e: 'end' }, [
        'f1:s>X',
        'f2:X>A',
        'f3:X>B',
        'f4:A>J',
        'f5:B>K',
        'f6:J>Y',
        'f7:K>Y',
        'f8:Y>e',
      ]),
      message: 'node X: the branches of an ExclusiveGateway must first meet the same converge gateway, but they meet J and K',
    },
    {
      name: 'paths from two blocks merging before a converge gateway',
      tree: webTree({ s: 'start', X: 'xor', J: 'join', Y: 'xor', A: 'act', B: 'act', K: 'join', e: 'end' }, [
        'f0:s>X',
        'f1:X>J',
        'f2:X>Y',
        'f3:X>e',
        'f4:J>A',
        'f5:Y>B',
        'f6:Y>K',
        'f7:A>B',
        'f8:B>K',
        'f9:K>e',
      ]),
      message: 'node K: its incoming flows f6, f8 do not all come from the branches of one gateway',
    },
    // Constants and outputs
    {
      name: 'an output that is not a constant',
      tree: changed(smallestTree(), (t) => (t.outputs = ['${missing}'])),
      message: 'outputs: ${missing} is not a constant of this pipeline',
    },
    {
      name: 'a constant keyed differently from its key',
      tree: changed(smallestTree(), (t) => (t.constants['${a}'] = { key: '${b}', value: 1 })),
      message: 'constants.${a}: the key differs from its key field "${b}"',
    },
    {
      name: 'a constant key without ${}',
      tree: changed(smallestTree(), (t) => (t.constants.a = { key: 'a', value: 1 })),
      message: 'constants.a: a constant key has the form ${name}',
    },
    {
      name: 'a constant sourced from an unknown node',
      tree: changed(smallestTree(), (t) => {
        t.constants['${r}'] = { key: '${r}', value: '', source_type: 'component_outputs', source_info: { Q: ['x'] } }
      }),
      message: 'constants.${r}: source_info names Q, which is not an activity of this pipeline',
    },
    // Nested
    {
      name: 'a graph error inside a subprocess names the subprocess',
      tree: webTree({ s: 'start', sp: 'sub', e: 'end' }, ['f1:s>sp', 'f2:sp>e'], {
        sp: webTree({ s2: 'start', e2: 'end' }, ['g1:s2>e2']),
      }),
      message: 'in subprocess sp: node s2: the start event may not lead straight to the end event e2',
    },
  ]

  it.each(cases)('rejects $name', ({ tree, message }) => {
    expect(rejection(tree)).toBe(message)
  })

  it('answers a hopelessly deep nesting of subprocesses with an error, not a crash', () => {
    let tree: Json = smallestTree()
    for (let depth = 0; depth < 20_000; depth++) {
      tree = webTree({ s: 'start', A: 'sub', e: 'end' }, ['f1:s>A', 'f2:A>e'], { A: tree })
    }
    expect(rejection(tree)).toBe('the tree is nested too deeply')
  })
})
