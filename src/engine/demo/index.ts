/**
 * The demo tasks of local development (CONTRACT §9): task 12 is the seed document's failed activity
 * `node_id`; the others give each remaining documented node action a node in the right state.
 * The trees are plain SOPS web trees, so they also serve as examples for `npm run admin -- task create`.
 */
import failedActivity from './task-12-failed-activity.json' with { type: 'json' }
import failedGateway from './task-13-failed-gateway.json' with { type: 'json' }
import waitingCallback from './task-14-waiting-callback.json' with { type: 'json' }
import runningSubprocess from './task-15-running-subprocess.json' with { type: 'json' }

export interface DemoTask {
  taskId: number
  bizId: string
  name: string
  tree: unknown
  /** Started on creation, so the node is already in the state the action needs. */
  start: boolean
}

export const DEMO_TASKS: DemoTask[] = [
  // `fail_once` fails on start: `node_id` is FAILED, ready for retry or skip.
  { taskId: 12, bizId: '2', name: 'Demo: failed activity (retry, skip)', tree: failedActivity, start: true },
  // No condition holds and there is no default: the gateway `choose` is FAILED, ready for skip_exg to flow_ok.
  { taskId: 13, bizId: '2', name: 'Demo: failed exclusive gateway (skip_exg)', tree: failedGateway, start: true },
  // `pause_node` waits: `approve` is RUNNING until a callback.
  { taskId: 14, bizId: '2', name: 'Demo: node waiting for callback', tree: waitingCallback, start: true },
  // The inner `confirm` waits, so the SubProcess `rollout` stays RUNNING: pause_subproc / resume_subproc.
  { taskId: 15, bizId: '2', name: 'Demo: running subprocess (pause_subproc, resume_subproc)', tree: runningSubprocess, start: true },
]
