/**
 * The demo tasks of local development (CONTRACT §9), the one list that seeding (../seed.ts) and the
 * admin CLI's `demo reset` go through. Task 12 is the seed document's failed activity `node_id`; together
 * the tasks give every node and task command a node in the state it needs (docs/demo.md walks through
 * each). The trees are plain SOPS web trees, so they also serve as examples for `npm run admin -- task create`.
 */
import failedActivity from './task-12-failed-activity.json' with { type: 'json' }
import failedGateway from './task-13-failed-gateway.json' with { type: 'json' }
import waitingCallback from './task-14-waiting-callback.json' with { type: 'json' }
import runningSubprocess from './task-15-running-subprocess.json' with { type: 'json' }
import failedBuild from './task-16-failed-build.json' with { type: 'json' }
import failedConditionalGateway from './task-17-failed-conditional-gateway.json' with { type: 'json' }
import failedSubprocess from './task-18-failed-subprocess.json' with { type: 'json' }
import notStarted from './task-19-not-started.json' with { type: 'json' }

export interface DemoTask {
  taskId: number
  bizId: string
  name: string
  tree: unknown
  /** Started on creation, so its nodes are already in the states the actions need. */
  start: boolean
}

export const DEMO_TASKS: readonly DemoTask[] = [
  // `fail_once` fails on start: `node_id` is FAILED, ready for skip (the seed document's request) or retry.
  { taskId: 12, bizId: '2', name: 'Demo: failed activity (skip)', tree: failedActivity, start: true },
  // No condition holds and there is no default: the exclusive gateway `choose` is FAILED, ready for skip_exg.
  { taskId: 13, bizId: '2', name: 'Demo: failed exclusive gateway (skip_exg)', tree: failedGateway, start: true },
  // `pause_node` waits: `approve` is RUNNING until a callback; `release`, not reached yet, can be paused.
  { taskId: 14, bizId: '2', name: 'Demo: node waiting for callback (callback, pause, resume)', tree: waitingCallback, start: true },
  // The inner `confirm` waits, so the SubProcess `rollout` stays RUNNING.
  {
    taskId: 15,
    bizId: '2',
    name: 'Demo: running subprocess (pause_subproc, resume_subproc, forced_fail)',
    tree: runningSubprocess,
    start: true,
  },
  // `fail_once` again: `build` is FAILED, ready for a retry with new inputs.
  { taskId: 16, bizId: '2', name: 'Demo: failed activity (retry)', tree: failedBuild, start: true },
  // No condition holds and there is no default: the conditional parallel gateway `fanout` is FAILED.
  { taskId: 17, bizId: '2', name: 'Demo: failed conditional parallel gateway (skip_cpg)', tree: failedConditionalGateway, start: true },
  // The SubProcess `migrate` cannot resolve its parameter on its first attempt (a fail_once variable): FAILED.
  { taskId: 18, bizId: '2', name: 'Demo: failed subprocess (retry_subprocess)', tree: failedSubprocess, start: true },
  // Created only: ready for operate_task start, then pause, resume and revoke.
  { taskId: 19, bizId: '2', name: 'Demo: task not started (start, pause, resume, revoke)', tree: notStarted, start: false },
]
