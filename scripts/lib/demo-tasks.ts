/**
 * Puts the engine's demo tasks (engine/src/demo: DEMO_TASKS) back in the state they are seeded in, so
 * the README's examples can be run again: the engine's own reset (its `resetDemo` RPC), through the
 * `npm run dev` serving the state if one does. Tasks created by hand are left as they are.
 */
import { DEMO_TASKS } from '../../engine/src/demo/index.ts'
import { withEngine } from './engine.ts'
import { UserError } from './errors.ts'
import type { LocalState } from './state.ts'

export interface DemoTaskState {
  task_id: number
  biz: string
  state: string
}

export function resetDemoTasks(state: LocalState): Promise<DemoTaskState[]> {
  return withEngine(state, async (engine) => {
    if (!(await engine.resetDemo())) {
      throw new UserError(`the engine's demo is off: set ENGINE_DEMO_SEED="true" in ${state.devVarsPath} (and restart \`npm run dev\`)`)
    }
    const states: DemoTaskState[] = []
    for (const demo of DEMO_TASKS) states.push({ task_id: demo.taskId, biz: demo.bizId, state: await engine.taskState(demo.bizId, demo.taskId) })
    return states
  })
}
