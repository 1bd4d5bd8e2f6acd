/**
 * How each resource reaches the origin (the proxy's last step): status reads through the identity's
 * task poller, so identical reads in the coalescing window reach SOPS once; writes to a task directly,
 * then a word to that task's poller, so a read after the write never sees the old state and watchers
 * see the change at once — unless the poller lent this isolate a quiet lease, nobody using it lately.
 * Should a poller fail, the call goes on without it (its log line says so).
 */
import type { GatewayContext } from './context.ts'
import type { Resource } from '../resources/table.ts'
import { callOrigin } from '../origin/origin.ts'
import type { OriginCall } from './proxy.ts'
import { BoundedCache, ENTRY_OVERHEAD_BYTES, stringBytes } from '../lib/bounded-cache.ts'
import { QUIET_SAFETY, coalesceMs } from '../live/config.ts'
import { replyOf } from '../live/fetched.ts'
import { type Identity, originSettings, pollerIdOf, pollerOf, taskOf } from '../live/target.ts'

export const identityOf = (c: GatewayContext): Identity => ({
  appCode: c.get('app').bk_app_code,
  username: c.get('user').username,
  userVerified: c.get('user').verified,
})

const direct: OriginCall = (c, call) => callOrigin(c.env, call, c.get('timings'))

const unavailable = (c: GatewayContext, error: unknown) =>
  c.set('logDetail', `task poller unavailable: ${error instanceof Error ? error.message : String(error)}`)

/** A subprocess's status is read directly: only whole tasks are polled and remembered. */
const coalescedRead: OriginCall = async (c, call) => {
  const input = c.get('input')
  const task = taskOf(input)
  if (!task || input.subprocess_id !== undefined || coalesceMs(c.env) === 0) return direct(c, call)
  const started = performance.now()
  let fetched
  try {
    fetched = await pollerOf(c.env, identityOf(c), task).read(originSettings(c.env), call)
  } catch (error) {
    unavailable(c, error)
    return direct(c, call)
  }
  if (fetched.origin) c.get('timings').origin = { desc: fetched.origin.desc, dur: performance.now() - started }
  return replyOf(fetched)
}

const writeThenTell: OriginCall = async (c, call) => {
  try {
    return await direct(c, call)
  } finally {
    // Once the origin may have acted (an error or timeout included), this identity's view of the task is old.
    if (c.get('timings').origin) await tellPoller(c)
  }
}

/** Poller ids are digests of 64 characters: this holds some thousands of leases. */
const QUIET_LEASES_MAX_BYTES = 512 * 1024

/** The quiet leases pollers lent this isolate (../live/poller.ts), by poller id: until then its writes need not tell them. */
const quietUntil = new BoundedCache<number>(QUIET_LEASES_MAX_BYTES, (id) => stringBytes(id) + ENTRY_OVERHEAD_BYTES)

async function tellPoller(c: GatewayContext): Promise<void> {
  const task = taskOf(c.get('input'))
  if (!task) return
  const id = pollerIdOf(c.env, identityOf(c), task)
  const key = id.toString()
  // Before the call: the poller counts its lease from when it answers, which is later.
  const now = Date.now()
  if (now < (quietUntil.get(key) ?? 0)) return
  try {
    const lent = await c.env.TASK_POLLER.get(id).changed()
    if (lent > 0) quietUntil.set(key, now + lent * (1 - QUIET_SAFETY))
  } catch (error) {
    unavailable(c, error)
  }
}

export const originCallFor = (resource: Resource): OriginCall => (resource.polled ? coalescedRead : resource.changesTask ? writeThenTell : direct)
