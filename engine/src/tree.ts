/**
 * SOPS "web" pipeline trees (what create_task accepts): their shape, the graph rules bamboo-engine's
 * validator enforces (engine-reference §5.3, with `cycle_tolerate` on, as SOPS starts tasks), and the
 * conversion into the engine's model (./pipeline.ts).
 */
import * as z from 'zod'
import type {
  ActivityNode,
  ComponentInput,
  ConditionalGatewayNode,
  Constant,
  Flow,
  NodeType,
  Pipeline,
  PipelineNode,
} from './pipeline.ts'
import { article, pairGateways, TreeError } from './tree-graph.ts'

// ---------------------------------------------------------------------------------------------------------
// Shape

/** `incoming`/`outgoing` may be a flow id, `""` (none) or a list of flow ids. */
const flowIdList = z
  .union([z.string(), z.array(z.string())], { error: 'expected a flow id or a list of flow ids' })
  .default([])
  .transform((ids) => (typeof ids === 'string' ? (ids === '' ? [] : [ids]) : ids))

const nodeFields = {
  id: z.string().min(1),
  name: z.string().default(''),
  incoming: flowIdList,
  outgoing: flowIdList,
}

const startEventSchema = z.object({ ...nodeFields, type: z.literal('EmptyStartEvent') })
const endEventSchema = z.object({ ...nodeFields, type: z.literal('EmptyEndEvent') })

const serviceActivitySchema = z.object({
  ...nodeFields,
  type: z.literal('ServiceActivity'),
  component: z.object({
    code: z.string().min(1),
    version: z.string().optional(),
    data: z.record(z.string(), z.object({ hook: z.boolean().default(false), value: z.unknown() })).default({}),
  }),
  retryable: z.boolean().default(true),
  skippable: z.boolean().default(true),
  error_ignorable: z.boolean().default(false),
})

const subProcessSchema = z.object({
  ...nodeFields,
  type: z.literal('SubProcess'),
  /** A nested web tree, parsed by parseShape with its own path. */
  pipeline: z.looseObject({}),
})

const conditionalGatewaySchema = z.object({
  ...nodeFields,
  type: z.enum(['ExclusiveGateway', 'ConditionalParallelGateway']),
  conditions: z.record(z.string(), z.object({ evaluate: z.string(), name: z.string().optional() })).default({}),
  /** `{flow_id, name?}`, or `{}` for none. */
  default_condition: z.object({ flow_id: z.string().optional() }).optional(),
})

const otherGatewaySchema = z.object({ ...nodeFields, type: z.enum(['ParallelGateway', 'ConvergeGateway']) })

const flowSchema = z.object({
  id: z.string().min(1),
  source: z.string(),
  target: z.string(),
  is_default: z.boolean().default(false),
})

const constantSchema = z.object({
  key: z.string(),
  name: z.string().optional(),
  value: z.unknown(),
  show_type: z.enum(['show', 'hide']).default('show'),
  source_type: z.enum(['custom', 'component_inputs', 'component_outputs']).default('custom'),
  source_info: z.record(z.string(), z.array(z.string())).default({}),
  custom_type: z.string().optional(),
})

const activitySchema = z.discriminatedUnion('type', [serviceActivitySchema, subProcessSchema])
const gatewaySchema = z.discriminatedUnion('type', [conditionalGatewaySchema, otherGatewaySchema])

/** One level of a web tree; SubProcess pipelines are parsed level by level (see parseShape). */
export const webTreeSchema = z.object({
  /** Optional root pipeline id; a SubProcess's nested pipeline always takes the activity's id. */
  id: z.string().min(1).optional(),
  start_event: startEventSchema,
  end_event: endEventSchema,
  activities: z.record(z.string(), activitySchema).default({}),
  gateways: z.record(z.string(), gatewaySchema).default({}),
  flows: z.record(z.string(), flowSchema).default({}),
  constants: z.record(z.string(), constantSchema).default({}),
  outputs: z.array(z.string()).default([]),
})

/** A parsed web tree, with its subprocesses' trees by activity id. */
export interface WebTree extends z.infer<typeof webTreeSchema> {
  subprocesses: Map<string, WebTree>
}
type WebNode =
  | z.infer<typeof startEventSchema>
  | z.infer<typeof endEventSchema>
  | z.infer<typeof activitySchema>
  | z.infer<typeof gatewaySchema>

export type ParseResult = { ok: true; pipeline: Pipeline } | { ok: false; message: string }

// ---------------------------------------------------------------------------------------------------------
// Entry point

export function parseWebTree(tree: unknown): ParseResult {
  try {
    const parsed = parseShape(tree, '')
    checkIdsUnique(parsed)
    return { ok: true, pipeline: buildPipeline(parsed, parsed.id ?? newPipelineId()) }
  } catch (error) {
    if (error instanceof TreeError) return { ok: false, message: error.message }
    // Only absurdly deep nesting gets here; the tree is bad input, not an engine fault.
    if (error instanceof RangeError) return { ok: false, message: 'the tree is nested too deeply' }
    throw error
  }
}

function newPipelineId(): string {
  return 'p' + crypto.randomUUID().replaceAll('-', '')
}

function parseShape(input: unknown, path: string): WebTree {
  const parsed = webTreeSchema.safeParse(input)
  if (!parsed.success) throw new TreeError(describeShapeError(parsed.error, path))
  const subprocesses = new Map<string, WebTree>()
  for (const [key, activity] of Object.entries(parsed.data.activities)) {
    if (activity.type === 'SubProcess') {
      subprocesses.set(activity.id, parseShape(activity.pipeline, `${path}activities.${key}.pipeline.`))
    }
  }
  return { ...parsed.data, subprocesses }
}

/** The first issue, at its path from the root tree, e.g. `activities.nA.component.code: …`. */
function describeShapeError(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0]
  const path = prefix + (issue?.path.map(String).join('.') ?? '')
  return `${path.replace(/\.$/, '') || 'tree'}: ${issue?.message ?? 'invalid'}`
}

// ---------------------------------------------------------------------------------------------------------
// Ids

/** Ids name state records and flows engine-wide, so they are unique across subprocesses too. */
function checkIdsUnique(tree: WebTree): void {
  const seen = new Map<string, string>()
  const claim = (id: string, where: string) => {
    if (id in Object.prototype) throw new TreeError(`${where}: the id "${id}" is reserved`)
    const earlier = seen.get(id)
    if (earlier) throw new TreeError(`id "${id}" is used twice: ${earlier} and ${where}`)
    seen.set(id, where)
  }
  if (tree.id) claim(tree.id, 'the pipeline id')
  const visit = (tree: WebTree, prefix: string) => {
    claim(tree.start_event.id, `${prefix}start_event`)
    claim(tree.end_event.id, `${prefix}end_event`)
    for (const [key, node] of Object.entries(tree.activities)) {
      claim(node.id, `${prefix}activities.${key}`)
      const subtree = tree.subprocesses.get(node.id)
      if (subtree) visit(subtree, `${prefix}activities.${key}.pipeline.`)
    }
    for (const [key, node] of Object.entries(tree.gateways)) claim(node.id, `${prefix}gateways.${key}`)
    for (const [key, flow] of Object.entries(tree.flows)) claim(flow.id, `${prefix}flows.${key}`)
  }
  visit(tree, '')
}

function checkKeysMatchIds(tree: WebTree): void {
  const check = (section: string, entries: [string, { id: string }][]) => {
    for (const [key, item] of entries) {
      if (key !== item.id) throw new TreeError(`${section}.${key}: the key differs from its id "${item.id}"`)
    }
  }
  check('activities', Object.entries(tree.activities))
  check('gateways', Object.entries(tree.gateways))
  check('flows', Object.entries(tree.flows))
  for (const [key, constant] of Object.entries(tree.constants)) {
    if (key !== constant.key) {
      throw new TreeError(`constants.${key}: the key differs from its key field "${constant.key}"`)
    }
    if (!/^\$\{[^{}]+\}$/.test(key)) throw new TreeError(`constants.${key}: a constant key has the form \${name}`)
  }
}

// ---------------------------------------------------------------------------------------------------------
// One pipeline (recursively for subprocesses)

function buildPipeline(tree: WebTree, id: string): Pipeline {
  checkKeysMatchIds(tree)
  const nodes = new Map<string, WebNode>(
    [tree.start_event, tree.end_event, ...Object.values(tree.activities), ...Object.values(tree.gateways)].map(
      (node) => [node.id, node],
    ),
  )
  const flows = new Map(Object.values(tree.flows).map((flow) => [flow.id, flow]))
  checkFlowsConsistent(nodes, flows)
  for (const node of nodes.values()) checkIsolated(node)
  for (const node of nodes.values()) checkDegree(node)
  checkStartNotToEnd(tree, flows)
  checkReachable(tree.start_event.id, nodes, flows)
  for (const gateway of Object.values(tree.gateways)) {
    if (gateway.type === 'ExclusiveGateway' || gateway.type === 'ConditionalParallelGateway') {
      checkConditions(gateway, flows)
    }
  }
  checkDefaultFlows(nodes, flows)
  const converges = pairGateways({ startId: tree.start_event.id, nodes, flows })
  checkConstants(tree)

  return {
    id,
    startEventId: tree.start_event.id,
    endEventId: tree.end_event.id,
    nodes: Object.fromEntries(
      [...nodes.values()].map((node) => [node.id, toModelNode(node, flows, converges, tree.subprocesses)]),
    ),
    flows: Object.fromEntries(
      [...flows.values()].map((flow): [string, Flow] => [
        flow.id,
        { id: flow.id, source: flow.source, target: flow.target, isDefault: isDefaultFlow(flow.id, nodes, flows) },
      ]),
    ),
    constants: Object.fromEntries(
      Object.values(tree.constants).map((constant) => [constant.key, toConstant(constant)]),
    ),
    outputs: tree.outputs,
  }
}

type WebFlow = z.infer<typeof flowSchema>

/** Each flow joins two nodes of this pipeline, and both nodes list it. */
function checkFlowsConsistent(nodes: Map<string, WebNode>, flows: Map<string, WebFlow>): void {
  for (const flow of flows.values()) {
    const source = nodes.get(flow.source)
    const target = nodes.get(flow.target)
    if (!source) throw notANode(flow, 'source')
    if (!target) throw notANode(flow, 'target')
    if (!source.outgoing.includes(flow.id)) {
      throw new TreeError(`flow ${flow.id}: its source ${source.id} does not list it among its outgoing flows`)
    }
    if (!target.incoming.includes(flow.id)) {
      throw new TreeError(`flow ${flow.id}: its target ${target.id} does not list it among its incoming flows`)
    }
  }
  for (const node of nodes.values()) {
    for (const [direction, ids, end] of [
      ['incoming', node.incoming, 'target'],
      ['outgoing', node.outgoing, 'source'],
    ] as const) {
      if (new Set(ids).size !== ids.length) {
        throw new TreeError(`node ${node.id}: a flow is listed twice in ${direction}`)
      }
      for (const flowId of ids) {
        const flow = flows.get(flowId)
        if (!flow) throw new TreeError(`node ${node.id}: its ${direction} flow ${flowId} does not exist`)
        if (flow[end] !== node.id) {
          throw new TreeError(
            `node ${node.id}: its ${direction} flow ${flowId} has ${end} ${flow[end]}, not ${node.id}`,
          )
        }
      }
    }
  }
}

function notANode(flow: WebFlow, end: 'source' | 'target'): TreeError {
  return new TreeError(`flow ${flow.id}: its ${end} ${flow[end] || '""'} is not a node of this pipeline`)
}

function checkIsolated(node: WebNode): void {
  if (node.incoming.length === 0 && node.outgoing.length === 0) {
    throw new TreeError(`node ${node.id}: the ${node.type} is isolated, with no incoming or outgoing flow`)
  }
}

type Degree = 'none' | 'one' | 'some'
/** NODE_RULES of bamboo-engine's validator: in-degree and out-degree per node type. */
const DEGREES: Record<NodeType, { incoming: Degree; outgoing: Degree }> = {
  EmptyStartEvent: { incoming: 'none', outgoing: 'one' },
  EmptyEndEvent: { incoming: 'some', outgoing: 'none' },
  ServiceActivity: { incoming: 'some', outgoing: 'one' },
  SubProcess: { incoming: 'some', outgoing: 'one' },
  ExclusiveGateway: { incoming: 'some', outgoing: 'some' },
  ConditionalParallelGateway: { incoming: 'some', outgoing: 'some' },
  ParallelGateway: { incoming: 'some', outgoing: 'some' },
  ConvergeGateway: { incoming: 'some', outgoing: 'one' },
}
const DEGREE_TEXT: Record<Degree, string> = { none: 'no', one: 'exactly 1', some: 'at least 1' }

function checkDegree(node: WebNode): void {
  const rule = DEGREES[node.type]
  for (const direction of ['incoming', 'outgoing'] as const) {
    const found = node[direction].length
    const degree = rule[direction]
    const fits = degree === 'none' ? found === 0 : degree === 'one' ? found === 1 : found >= 1
    if (!fits) {
      const needs = `${DEGREE_TEXT[degree]} ${direction} ${degree === 'none' ? 'flows' : 'flow'}`
      throw new TreeError(`node ${node.id}: ${article(node.type)} ${node.type} needs ${needs}, found ${found}`)
    }
  }
}

function checkStartNotToEnd(tree: WebTree, flows: Map<string, WebFlow>): void {
  const first = flows.get(tree.start_event.outgoing[0] ?? '')
  if (first?.target === tree.end_event.id) {
    throw new TreeError(
      `node ${tree.start_event.id}: the start event may not lead straight to the end event ${tree.end_event.id}`,
    )
  }
}

function checkReachable(startId: string, nodes: Map<string, WebNode>, flows: Map<string, WebFlow>): void {
  const reached = new Set([startId])
  const queue = [startId]
  for (let nodeId = queue.pop(); nodeId !== undefined; nodeId = queue.pop()) {
    for (const flowId of nodes.get(nodeId)?.outgoing ?? []) {
      const target = flows.get(flowId)?.target
      if (target !== undefined && !reached.has(target)) {
        reached.add(target)
        queue.push(target)
      }
    }
  }
  for (const node of nodes.values()) {
    if (!reached.has(node.id)) throw new TreeError(`node ${node.id}: it cannot be reached from the start event`)
  }
}

type WebConditionalGateway = z.infer<typeof conditionalGatewaySchema>

function checkConditions(gateway: WebConditionalGateway, flows: Map<string, WebFlow>): void {
  for (const flowId of Object.keys(gateway.conditions)) {
    if (!gateway.outgoing.includes(flowId)) {
      const exists = flows.has(flowId) ? 'is not one of its outgoing flows' : 'does not exist'
      throw new TreeError(`node ${gateway.id}: the condition for flow ${flowId} names a flow that ${exists}`)
    }
  }
  const defaultFlowId = gateway.default_condition?.flow_id
  if (defaultFlowId !== undefined && !gateway.outgoing.includes(defaultFlowId)) {
    throw new TreeError(`node ${gateway.id}: the default flow ${defaultFlowId} is not one of its outgoing flows`)
  }
}

/** A flow marked `is_default` leaves a conditional gateway, and each gateway has at most one default. */
function checkDefaultFlows(nodes: Map<string, WebNode>, flows: Map<string, WebFlow>): void {
  for (const flow of flows.values()) {
    if (!flow.is_default) continue
    const source = nodes.get(flow.source)
    if (source?.type !== 'ExclusiveGateway' && source?.type !== 'ConditionalParallelGateway') {
      throw new TreeError(
        `flow ${flow.id}: only a flow leaving an ExclusiveGateway or ConditionalParallelGateway can be the default`,
      )
    }
    const chosen = source.default_condition?.flow_id
    if (chosen !== undefined && chosen !== flow.id) {
      throw new TreeError(`node ${source.id}: it has two default flows, ${chosen} and ${flow.id}`)
    }
  }
  for (const node of nodes.values()) {
    const marked = node.outgoing.filter((flowId) => flows.get(flowId)?.is_default)
    if (marked.length > 1) throw new TreeError(`node ${node.id}: it has two default flows, ${marked.join(' and ')}`)
  }
}

function defaultFlowOf(gateway: WebConditionalGateway, flows: Map<string, WebFlow>): string | undefined {
  return gateway.default_condition?.flow_id ?? gateway.outgoing.find((flowId) => flows.get(flowId)?.is_default)
}

function isDefaultFlow(flowId: string, nodes: Map<string, WebNode>, flows: Map<string, WebFlow>): boolean {
  const flow = flows.get(flowId)
  const source = flow && nodes.get(flow.source)
  if (source?.type !== 'ExclusiveGateway' && source?.type !== 'ConditionalParallelGateway') return false
  return defaultFlowOf(source, flows) === flowId
}

function checkConstants(tree: WebTree): void {
  for (const key of tree.outputs) {
    if (!Object.hasOwn(tree.constants, key)) throw new TreeError(`outputs: ${key} is not a constant of this pipeline`)
  }
  for (const constant of Object.values(tree.constants)) {
    for (const nodeId of Object.keys(constant.source_info)) {
      if (!Object.hasOwn(tree.activities, nodeId)) {
        throw new TreeError(
          `constants.${constant.key}: source_info names ${nodeId}, which is not an activity of this pipeline`,
        )
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Conversion

function toModelNode(
  node: WebNode,
  flows: Map<string, WebFlow>,
  converges: Map<string, string>,
  subprocesses: Map<string, WebTree>,
): PipelineNode {
  const base = { id: node.id, name: node.name, incoming: node.incoming, outgoing: node.outgoing }
  switch (node.type) {
    case 'EmptyStartEvent':
    case 'EmptyEndEvent':
    case 'ConvergeGateway':
      return { ...base, type: node.type }
    case 'ServiceActivity':
      return toActivity(node, base)
    case 'SubProcess':
      return { ...base, type: 'SubProcess', pipeline: buildSubPipeline(node.id, subprocesses) }
    case 'ParallelGateway':
      return { ...base, type: 'ParallelGateway', convergeGatewayId: convergeOf(node.id, converges) }
    case 'ExclusiveGateway':
    case 'ConditionalParallelGateway': {
      const gateway: ConditionalGatewayNode = {
        ...base,
        type: node.type,
        conditions: Object.fromEntries(Object.entries(node.conditions).map(([flowId, c]) => [flowId, c.evaluate])),
      }
      const defaultFlowId = defaultFlowOf(node, flows)
      if (defaultFlowId !== undefined) gateway.defaultFlowId = defaultFlowId
      if (node.type === 'ConditionalParallelGateway') gateway.convergeGatewayId = convergeOf(node.id, converges)
      return gateway
    }
  }
}

function buildSubPipeline(id: string, subprocesses: Map<string, WebTree>): Pipeline {
  const subtree = subprocesses.get(id)
  if (!subtree) throw new TreeError(`node ${id}: the SubProcess has no pipeline`)
  try {
    return buildPipeline(subtree, id)
  } catch (error) {
    if (error instanceof TreeError) throw new TreeError(`in subprocess ${id}: ${error.message}`)
    throw error
  }
}

function convergeOf(gatewayId: string, converges: Map<string, string>): string {
  const convergeId = converges.get(gatewayId)
  // pairGateways pairs every parallel gateway it reaches or fails; this guards the unforeseen.
  if (convergeId === undefined) throw new TreeError(`node ${gatewayId}: no converge gateway joins its branches`)
  return convergeId
}

function toActivity(
  node: z.infer<typeof serviceActivitySchema>,
  base: Pick<ActivityNode, 'id' | 'name' | 'incoming' | 'outgoing'>,
): ActivityNode {
  const inputs = Object.fromEntries(
    Object.entries(node.component.data).map(([key, input]): [string, ComponentInput] => [
      key,
      { value: input.value, hook: input.hook },
    ]),
  )
  const component: ActivityNode['component'] = { code: node.component.code, inputs }
  if (node.component.version !== undefined) component.version = node.component.version
  return {
    ...base,
    type: 'ServiceActivity',
    component,
    retryable: node.retryable,
    skippable: node.skippable || node.error_ignorable,
    errorIgnorable: node.error_ignorable,
  }
}

function toConstant(constant: z.infer<typeof constantSchema>): Constant {
  return {
    key: constant.key,
    name: constant.name ?? constant.key.slice(2, -1),
    value: constant.value ?? '',
    showType: constant.show_type,
    sourceType: constant.source_type,
    sourceInfo: constant.source_info,
    ...(constant.custom_type ? { customType: constant.custom_type } : {}),
  }
}
