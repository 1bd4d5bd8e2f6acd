/**
 * create_task's callback_url (SOPS's TaskCallBacker._url_callback): when the task finishes or is revoked
 * SOPS POSTs its outcome there — a form `task_id, task_success` by default, JSON with the task's outputs
 * when callback_version is "v2".
 */
import type { Json } from './json.ts'

export interface TaskCallback {
  url: string
  version?: string
}

/** How long the engine waits for the receiver; SOPS retries a failed callback from a queue, this engine does not. */
const CALLBACK_TIMEOUT_MS = 10_000

export async function sendTaskCallback(callback: TaskCallback, taskId: number, success: boolean, outputs: Json[]): Promise<boolean> {
  // Python's requests sends form values with str(): True/False.
  const init: RequestInit =
    callback.version === 'v2'
      ? {
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ task_id: taskId, callback_version: 'v2', task_success: success, task_outputs: outputs }),
        }
      : { body: new URLSearchParams({ task_id: String(taskId), ...(callback.version ? { callback_version: callback.version } : {}), task_success: success ? 'True' : 'False' }) }
  try {
    const res = await fetch(callback.url, { method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS), ...init })
    await res.body?.cancel()
    return res.ok
  } catch {
    return false
  }
}
