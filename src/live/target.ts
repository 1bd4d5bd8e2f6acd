/**
 * Whose view of which task a poller keeps: one object per (app, user, business, task), holding the
 * status with and without ex_data apart. Two identities never reach the same object, so never share a poll.
 */
import type { JwtIdentity } from '../origin/jwt.ts'

export interface TaskRef {
  scope: 'cmdb_biz' | 'project'
  bk_biz_id: string
  task_id: number
}

export type Identity = Pick<JwtIdentity, 'appCode' | 'username' | 'userVerified'>

/** The origin vars of the calling Worker, so the object calls the very origin the gateway is configured with. */
export type OriginSettings = Pick<Env, 'ORIGIN_URL' | 'ORIGIN_TIMEOUT_MS' | 'ORIGIN_MAX_BYTES'>

export const originSettings = (env: Env): OriginSettings => ({
  ORIGIN_URL: env.ORIGIN_URL,
  ORIGIN_TIMEOUT_MS: env.ORIGIN_TIMEOUT_MS,
  ORIGIN_MAX_BYTES: env.ORIGIN_MAX_BYTES,
})

/** SOPS adds ex_data for any non-empty with_ex_data (the origin call leaves out a false one). */
export const wantsExData = (value: unknown) => value !== undefined && value !== false && value !== ''

/** The task a validated call names (every resource that reaches a poller carries both ids). */
export const taskOf = (input: { scope?: TaskRef['scope']; bk_biz_id?: string; task_id?: number }): TaskRef | undefined =>
  input.bk_biz_id === undefined || input.task_id === undefined ? undefined : { scope: input.scope ?? 'cmdb_biz', bk_biz_id: input.bk_biz_id, task_id: input.task_id }

export const pollerName = (who: Identity, task: TaskRef) =>
  JSON.stringify([who.appCode, who.username, who.userVerified, task.scope, task.bk_biz_id, task.task_id])

export const pollerIdOf = (env: Env, who: Identity, task: TaskRef) => env.TASK_POLLER.idFromName(pollerName(who, task))

export const pollerOf = (env: Env, who: Identity, task: TaskRef) => env.TASK_POLLER.get(pollerIdOf(env, who, task))
