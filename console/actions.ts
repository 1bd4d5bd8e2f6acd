/**
 * Which operations the console offers on a node and on the task, from what get_task_status tells:
 * the state, and the node's kind as far as the tree shows it (SOPS names only activities and
 * subprocesses; events and gateways are named "").
 */
import type { TaskStatus } from 'sops-edge/client'
import type { NodeAction, TaskAction } from './gateway.ts'

export type NodeKind = 'activity' | 'subprocess' | 'control'

export function kindOf(entry: TaskStatus): NodeKind {
  if (Object.keys(entry.children ?? {}).length > 0) return 'subprocess'
  return entry.name ? 'activity' : 'control'
}

/** Events never fail, so a failed unnamed node is a gateway. */
export const isGateway = (entry: TaskStatus) => kindOf(entry) === 'control' && entry.state === 'FAILED'

export function nodeActions(entry: TaskStatus): NodeAction[] {
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
