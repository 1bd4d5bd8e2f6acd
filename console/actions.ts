/**
 * Which operations the console offers on a node and on the task, from what get_task_status tells:
 * the states, and the node's kind as far as the tree shows it (SOPS names only activities and
 * subprocesses; events and gateways are named ""). Only what SOPS would accept in the current state
 * (engine-reference §3, §4.2) is offered.
 */
import type { TaskStatus } from 'sops-edge/client'
import type { NodeAction, TaskAction } from './gateway.ts'

export type NodeKind = 'activity' | 'subprocess' | 'control'

export function kindOf(entry: TaskStatus): NodeKind {
  if (Object.keys(entry.children ?? {}).length > 0) return 'subprocess'
  return entry.name ? 'activity' : 'control'
}

/**
 * The node's type as SOPS names it, as far as the tree tells: the first node a pipeline reaches is its
 * start event, the last one of a finished pipeline its end event, and any other unnamed node a gateway
 * (the tree does not say which kind).
 */
export function sopsType(entry: TaskStatus, position: { first: boolean; last: boolean; pipelineState: string }): string {
  switch (kindOf(entry)) {
    case 'activity':
      return 'ServiceActivity'
    case 'subprocess':
      return 'SubProcess'
    case 'control':
      if (position.first) return 'EmptyStartEvent'
      return position.last && position.pipelineState === 'FINISHED' ? 'EmptyEndEvent' : 'Gateway'
  }
}

/** Task states in which no node operation has any effect: revoked or finished, the flow never moves again. */
const CLOSED_TASK_STATES = ['REVOKED', 'FINISHED', 'EXPIRED']

export function nodeActions(entry: TaskStatus, taskState: string): NodeAction[] {
  if (CLOSED_TASK_STATES.includes(taskState)) return []
  switch (kindOf(entry)) {
    case 'control':
      return entry.state === 'FAILED' ? ['skip_exg'] : []
    case 'subprocess':
      if (entry.state === 'SUSPENDED') return ['resume_subproc']
      return entry.state === 'RUNNING' || entry.state === 'NODE_SUSPENDED' ? ['pause_subproc'] : []
    case 'activity':
      if (entry.state === 'FAILED') return ['retry', 'skip']
      if (entry.state === 'RUNNING') return ['callback', 'forced_fail']
      return entry.state === 'SUSPENDED' ? ['resume'] : []
  }
}

/**
 * The task states each task action applies to (a RUNNING task shows FAILED or NODE_SUSPENDED when a
 * node did). The console offers the actions in this order.
 */
const TASK_ACTION_STATES: Record<TaskAction, readonly string[]> = {
  start: ['CREATED'],
  pause: ['RUNNING', 'FAILED', 'NODE_SUSPENDED'],
  resume: ['SUSPENDED'],
  revoke: ['RUNNING', 'FAILED', 'NODE_SUSPENDED', 'SUSPENDED'],
}

export const TASK_ACTIONS = Object.keys(TASK_ACTION_STATES) as TaskAction[]

export const taskActionApplies = (action: TaskAction, state: string) => TASK_ACTION_STATES[action].includes(state)

/** States in which the task moves without the operator: the console keeps refreshing. */
export const isMoving = (state: string) => state === 'RUNNING' || state === 'READY'

/** Operations that cannot be undone: the console asks first, naming the task or node. */
export const DESTRUCTIVE = new Set<string>(['revoke', 'forced_fail', 'skip'])
