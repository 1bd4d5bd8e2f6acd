/**
 * The engine's own model of a validated pipeline tree: what ./tree.ts produces from a SOPS "web"
 * tree and what the task object executes. Ids are the tree's own node and flow ids.
 */
export type NodeType =
  | 'EmptyStartEvent'
  | 'EmptyEndEvent'
  | 'ServiceActivity'
  | 'SubProcess'
  | 'ExclusiveGateway'
  | 'ConditionalParallelGateway'
  | 'ParallelGateway'
  | 'ConvergeGateway'

export interface Flow {
  id: string
  source: string
  target: string
  isDefault: boolean
}

interface NodeBase {
  id: string
  name: string
  /** Flow ids, in tree order. */
  incoming: string[]
  outgoing: string[]
}

export interface StartEventNode extends NodeBase {
  type: 'EmptyStartEvent'
}

export interface EndEventNode extends NodeBase {
  type: 'EmptyEndEvent'
}

/** One input of a component: a literal, or (hook) a value holding `${var}` references to render. */
export interface ComponentInput {
  value: unknown
  hook: boolean
}

export interface ActivityNode extends NodeBase {
  type: 'ServiceActivity'
  component: { code: string; version?: string; inputs: Record<string, ComponentInput> }
  retryable: boolean
  /** Forced true when errorIgnorable, as SOPS does. */
  skippable: boolean
  errorIgnorable: boolean
}

export interface SubProcessNode extends NodeBase {
  type: 'SubProcess'
  /** The child pipeline; its id equals this node's id. */
  pipeline: Pipeline
}

export interface ConditionalGatewayNode extends NodeBase {
  type: 'ExclusiveGateway' | 'ConditionalParallelGateway'
  /** flow id → boolean expression over `${var}` references. */
  conditions: Record<string, string>
  defaultFlowId?: string
  /** For a conditional parallel gateway: where its branches join. */
  convergeGatewayId?: string
}

export interface ParallelGatewayNode extends NodeBase {
  type: 'ParallelGateway'
  convergeGatewayId: string
}

export interface ConvergeGatewayNode extends NodeBase {
  type: 'ConvergeGateway'
}

export type PipelineNode =
  | StartEventNode
  | EndEventNode
  | ActivityNode
  | SubProcessNode
  | ConditionalGatewayNode
  | ParallelGatewayNode
  | ConvergeGatewayNode

export interface Constant {
  /** `${name}` form, as in the web tree. */
  key: string
  name: string
  value: unknown
  showType: 'show' | 'hide'
  sourceType: 'custom' | 'component_inputs' | 'component_outputs'
  /** node id → keys of that node's inputs (component_inputs) or outputs (component_outputs). */
  sourceInfo: Record<string, string[]>
  /** SOPS's variable type; a lazy one (./variables.ts) is resolved only when a node references it. */
  customType?: string
}

export interface Pipeline {
  id: string
  startEventId: string
  endEventId: string
  nodes: Record<string, PipelineNode>
  flows: Record<string, Flow>
  constants: Record<string, Constant>
  /** Constant keys exported as the pipeline's outputs. */
  outputs: string[]
}
