/**
 * The graph rules of a pipeline that need more than one node at a time: loops (back edges) and the pairing
 * of parallel gateways with their converge gateways (bamboo-engine's validator/gateway.py), as SOPS runs
 * it, i.e. with cycles tolerated.
 *
 * With back edges set aside the graph is acyclic, and each diverging gateway opens a block: we walk each of
 * its branches forward, through activities and through nested blocks that close at a converge gateway of
 * their own, until the branch meets a converge gateway, the end event or a back edge.
 * - A parallel or conditional parallel gateway: every branch meets the same converge gateway; branches share
 *   no node and are entered only from the gateway; a converge gateway joins one parallel gateway only.
 * - An exclusive gateway: the branches that meet a converge gateway meet the same one; others may reach the
 *   end event or loop back, except inside a parallel branch, where everything must converge and a loop must
 *   stay inside the branch.
 * A block whose converge gateway also takes flows from outside it shares that converge gateway with the
 * enclosing block (as bamboo-engine allows for exclusive gateways); the enclosing block must then own it.
 */
import type { NodeType } from './pipeline.ts'

/** A rule violation; the message is what the caller sees. */
export class TreeError extends Error {
  override name = 'TreeError'
}

export interface GraphNode {
  id: string
  type: NodeType
  incoming: string[]
  outgoing: string[]
}

export interface GraphFlow {
  id: string
  source: string
  target: string
}

/** A pipeline whose flows are already known to be consistent with its nodes. */
export interface Graph {
  startId: string
  nodes: Map<string, GraphNode>
  flows: Map<string, GraphFlow>
}

/** Checks the gateway rules and returns each parallel and conditional parallel gateway's converge gateway. */
export function pairGateways(graph: Graph): Map<string, string> {
  const pairing = new GatewayPairing(graph, findBackEdges(graph))
  pairing.checkMainPath()
  return pairing.converges
}

/** Flows that close a loop, found by a depth-first search from the start event (iterative: no deep recursion). */
function findBackEdges(graph: Graph): Set<string> {
  const open = new Set([graph.startId])
  const done = new Set<string>()
  const backEdges = new Set<string>()
  const stack = [{ nodeId: graph.startId, next: 0 }]
  for (let top = stack.at(-1); top; top = stack.at(-1)) {
    const flowId = nodeIn(graph, top.nodeId).outgoing[top.next]
    if (flowId === undefined) {
      open.delete(top.nodeId)
      done.add(top.nodeId)
      stack.pop()
      continue
    }
    top.next += 1
    const target = flowIn(graph, flowId).target
    if (open.has(target)) backEdges.add(flowId)
    else if (!done.has(target)) {
      open.add(target)
      stack.push({ nodeId: target, next: 0 })
    }
  }
  return backEdges
}

function nodeIn(graph: Graph, id: string): GraphNode {
  const node = graph.nodes.get(id)
  if (!node) throw new TreeError(`node ${id} does not exist`)
  return node
}

function flowIn(graph: Graph, id: string): GraphFlow {
  const flow = graph.flows.get(id)
  if (!flow) throw new TreeError(`flow ${id} does not exist`)
  return flow
}

type Outcome =
  | { kind: 'converge'; convergeId: string; flows: Set<string> }
  | { kind: 'end' }
  | { kind: 'loop' }

interface Branch {
  /** The gateway's outgoing flow that starts the branch. */
  flowId: string
  outcome: Outcome
  /** Every node on the branch, nested blocks included, its final converge gateway excluded. */
  nodes: Set<string>
}

/** What a diverging gateway's branches amount to, seen from outside. */
interface Block {
  convergeId?: string
  /** The flows by which the branches enter the converge gateway. */
  flows: Set<string>
  nodes: Set<string>
  reachesEnd: boolean
}

const DIVERGING = new Set<NodeType>(['ExclusiveGateway', 'ConditionalParallelGateway', 'ParallelGateway'])
const PARALLEL = new Set<NodeType>(['ConditionalParallelGateway', 'ParallelGateway'])

class GatewayPairing {
  readonly converges = new Map<string, string>()
  private readonly graph: Graph
  private readonly backEdges: Set<string>
  private readonly blocks = new Map<string, Block>()
  /** converge gateway → the parallel gateway whose branches it joins */
  private readonly joinedBy = new Map<string, string>()

  constructor(graph: Graph, backEdges: Set<string>) {
    this.graph = graph
    this.backEdges = backEdges
  }

  checkMainPath(): void {
    const first = this.node(this.graph.startId).outgoing[0]
    if (first === undefined) return
    const { outcome } = this.walk(first, [], null)
    if (outcome.kind === 'converge') {
      const incoming = this.forwardIncoming(outcome.convergeId)
      throw new TreeError(
        `node ${outcome.convergeId}: its incoming flows ${list(incoming)} do not all come from the branches ` +
          'of one gateway',
      )
    }
  }

  /**
   * Follows a branch from `firstFlowId`. `stack` holds the enclosing diverging gateways, innermost last;
   * `scope` collects the nodes of the innermost enclosing parallel branch (null outside parallel gateways).
   */
  private walk(firstFlowId: string, stack: string[], scope: Set<string> | null): Branch {
    const nodes = new Set<string>()
    const visit = (id: string) => {
      nodes.add(id)
      scope?.add(id)
    }
    const done = (outcome: Outcome): Branch => ({ flowId: firstFlowId, outcome, nodes })
    for (let flowId = firstFlowId; ; ) {
      const flow = this.flow(flowId)
      if (this.backEdges.has(flowId)) {
        if (scope && !scope.has(flow.target)) {
          throw this.notConverging(stack, firstFlowId, `loops back out of the parallel branch through flow ${flowId}`)
        }
        return done({ kind: 'loop' })
      }
      const node = this.node(flow.target)
      if (node.type === 'EmptyEndEvent') {
        if (scope) throw this.notConverging(stack, firstFlowId, 'reaches the end event')
        return done({ kind: 'end' })
      }
      if (node.type === 'ConvergeGateway') {
        // On the main path, a converge gateway whose other incoming flows all loop back is just a waypoint.
        const waypoint = stack.length === 0 && sameSet(this.forwardIncoming(node.id), new Set([flowId]))
        if (!waypoint) return done({ kind: 'converge', convergeId: node.id, flows: new Set([flowId]) })
        visit(node.id)
        flowId = this.onlyOutgoing(node.id)
        continue
      }
      visit(node.id)
      if (!DIVERGING.has(node.type)) {
        flowId = this.onlyOutgoing(node.id)
        continue
      }
      const block = this.resolve(node, [...stack, node.id], scope)
      block.nodes.forEach(visit)
      if (block.convergeId === undefined) return done({ kind: block.reachesEnd ? 'end' : 'loop' })
      if (!sameSet(this.forwardIncoming(block.convergeId), block.flows)) {
        return done({ kind: 'converge', convergeId: block.convergeId, flows: block.flows })
      }
      visit(block.convergeId)
      flowId = this.onlyOutgoing(block.convergeId)
    }
  }

  private resolve(gateway: GraphNode, stack: string[], scope: Set<string> | null): Block {
    const known = this.blocks.get(gateway.id)
    if (known) return known
    const parallel = PARALLEL.has(gateway.type)
    const branches = gateway.outgoing.map((flowId) => this.walk(flowId, stack, parallel ? new Set() : scope))
    const block = parallel ? this.joinParallel(gateway, branches) : this.joinExclusive(gateway, branches)
    this.blocks.set(gateway.id, block)
    return block
  }

  private joinExclusive(gateway: GraphNode, branches: Branch[]): Block {
    const converging = branches.flatMap((branch) => (branch.outcome.kind === 'converge' ? [branch.outcome] : []))
    const first = converging[0]
    const stray = converging.find((outcome) => outcome.convergeId !== first?.convergeId)
    if (first && stray) {
      throw new TreeError(
        `node ${gateway.id}: the branches of an ExclusiveGateway must first meet the same converge gateway, ` +
          `but they meet ${first.convergeId} and ${stray.convergeId}`,
      )
    }
    return {
      ...(first && { convergeId: first.convergeId }),
      flows: union(converging.map((outcome) => outcome.flows)),
      nodes: union(branches.map((branch) => branch.nodes)),
      reachesEnd: branches.some((branch) => branch.outcome.kind === 'end'),
    }
  }

  private joinParallel(gateway: GraphNode, branches: Branch[]): Block {
    const outcomes = branches.map(({ flowId, outcome }) => {
      if (outcome.kind !== 'converge') throw this.notConverging([gateway.id], flowId, 'never meets a converge gateway')
      return outcome
    })
    const convergeId = outcomes[0]?.convergeId
    const stray = outcomes.find((outcome) => outcome.convergeId !== convergeId)
    if (stray) {
      throw new TreeError(
        `node ${gateway.id}: the branches of ${article(gateway.type)} ${gateway.type} must all converge at one ` +
          `converge gateway, but they meet ${convergeId} and ${stray.convergeId}`,
      )
    }
    if (convergeId === undefined) throw new TreeError(`node ${gateway.id}: it has no outgoing flow`)
    this.checkBranchesSeparate(gateway, branches)
    const other = this.joinedBy.get(convergeId)
    if (other !== undefined) {
      throw new TreeError(
        `node ${convergeId}: a converge gateway joins the branches of one parallel gateway only, ` +
          `but it joins both ${other} and ${gateway.id}`,
      )
    }
    this.joinedBy.set(convergeId, gateway.id)
    this.converges.set(gateway.id, convergeId)
    return {
      convergeId,
      flows: union(outcomes.map((outcome) => outcome.flows)),
      nodes: union(branches.map((branch) => branch.nodes)),
      reachesEnd: false,
    }
  }

  /** Parallel branches run as separate processes: they share no node and are entered only from the gateway. */
  private checkBranchesSeparate(gateway: GraphNode, branches: Branch[]): void {
    const branchOf = new Map<string, string>()
    for (const branch of branches) {
      for (const nodeId of branch.nodes) {
        const other = branchOf.get(nodeId)
        if (other !== undefined) {
          throw new TreeError(
            `node ${nodeId}: it lies on two branches of ${gateway.type} ${gateway.id} (flows ${other} and ` +
              `${branch.flowId}); parallel branches may only meet at their converge gateway`,
          )
        }
        branchOf.set(nodeId, branch.flowId)
      }
    }
    for (const branch of branches) {
      for (const nodeId of branch.nodes) {
        for (const flowId of this.node(nodeId).incoming) {
          const source = this.flow(flowId).source
          if (source !== gateway.id && !branch.nodes.has(source)) {
            throw new TreeError(
              `node ${nodeId}: flow ${flowId} enters a branch of ${gateway.type} ${gateway.id} from outside it`,
            )
          }
        }
      }
    }
  }

  /** The error for a branch inside a parallel block that does not reach the block's converge gateway. */
  private notConverging(stack: string[], branchFlowId: string, what: string): TreeError {
    const gateway = this.node(stack.at(-1) ?? '')
    const rule = PARALLEL.has(gateway.type)
      ? `every branch of ${article(gateway.type)} ${gateway.type} must reach its converge gateway`
      : 'inside a parallel branch, every branch of an ExclusiveGateway must reach a converge gateway'
    return new TreeError(`node ${gateway.id}: ${rule}, but the branch through flow ${branchFlowId} ${what}`)
  }

  private forwardIncoming(nodeId: string): Set<string> {
    return new Set(this.node(nodeId).incoming.filter((flowId) => !this.backEdges.has(flowId)))
  }

  private onlyOutgoing(nodeId: string): string {
    const flowId = this.node(nodeId).outgoing[0]
    if (flowId === undefined) throw new TreeError(`node ${nodeId}: it has no outgoing flow`)
    return flowId
  }

  private node(id: string): GraphNode {
    return nodeIn(this.graph, id)
  }

  private flow(id: string): GraphFlow {
    return flowIn(this.graph, id)
  }
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item))
}

function union(sets: Set<string>[]): Set<string> {
  return new Set(sets.flatMap((set) => [...set]))
}

function list(ids: Set<string>): string {
  return [...ids].join(', ')
}

export function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a'
}
