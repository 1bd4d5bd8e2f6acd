/** Node and pipeline states and the transitions set_state allows (engine-reference §1). */
export const STATES = ['READY', 'LOOP_READY', 'RUNNING', 'SUSPENDED', 'BLOCKED', 'FINISHED', 'FAILED', 'REVOKED'] as const
export type StateName = (typeof STATES)[number]

const TRANSITION: Record<StateName, readonly StateName[]> = {
  READY: ['RUNNING', 'SUSPENDED'],
  LOOP_READY: ['RUNNING', 'SUSPENDED'],
  RUNNING: ['SUSPENDED', 'FINISHED', 'FAILED', 'REVOKED'],
  SUSPENDED: ['READY', 'RUNNING', 'REVOKED'],
  BLOCKED: [],
  FINISHED: ['RUNNING', 'FAILED'],
  FAILED: ['READY', 'LOOP_READY', 'FINISHED'],
  REVOKED: [],
}

export const canTransit = (from: StateName, to: StateName) => TRANSITION[from].includes(to)

/** The states from which the execute loop may (re)start a node. */
export const RUNNABLE_FROM: readonly StateName[] = ['READY', 'FINISHED', 'LOOP_READY']

/** BAMBOO_DJANGO_ERI_NODE_RERUN_LIMIT's default. */
export const RERUN_LIMIT = 100
