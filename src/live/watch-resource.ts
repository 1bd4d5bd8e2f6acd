/**
 * watch_task_status: get_task_status as a stream. Not a resource of its own: it is permitted, and
 * rate-limited (each opening counts), as get_task_status, and takes its parameters but subprocess_id.
 */
import { ESB_PREFIX, GATEWAY_PREFIX, resources } from '../resources/table.ts'
import { getTaskStatusSchema } from '../resources/schemas.ts'

/** get_task_status: what pollers read and the stream sends. */
export const statusResource = resources.find((r) => r.polled === true)!

export const watchTaskStatusSchema = getTaskStatusSchema.omit({ subprocess_id: true })

/** Typed as get_task_status's entry: the pipeline serves it as that resource, with its own paths and schema. */
export const watchResource = {
  ...statusResource,
  summary: "A task's status as Server-Sent Events: the status at once, then each change, until the task ends",
  esbPath: `${ESB_PREFIX}watch_task_status`,
  gatewayPath: `${GATEWAY_PREFIX}watch_task_status/:task_id/:bk_biz_id`,
  schema: watchTaskStatusSchema,
  forward: statusResource.forward.filter((field) => field !== 'subprocess_id'),
} as unknown as typeof statusResource
