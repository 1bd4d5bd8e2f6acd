/**
 * watch_task_status: get_task_status as a stream. Not a resource of its own: it is permitted, and
 * rate-limited (each opening counts), as get_task_status, and takes its parameters but subprocess_id.
 */
import type { Resource } from '../http/resources.ts'
import { resources } from '../http/resources.ts'
import { getTaskStatusSchema } from '../http/schemas.ts'

const getTaskStatus = resources.find((r) => r.name === 'get_task_status')!

export const watchTaskStatusSchema = getTaskStatusSchema.omit({ subprocess_id: true })

export const watchResource: Resource = {
  ...getTaskStatus,
  summary: "A task's status as Server-Sent Events: the status at once, then each change, until the task ends",
  esbPath: '/api/c/compapi/v2/sops/watch_task_status',
  gatewayPath: '/api/bk-sops/prod/watch_task_status/:task_id/:bk_biz_id',
  schema: watchTaskStatusSchema,
  forward: ['scope', 'with_ex_data'] as Resource['forward'],
}
