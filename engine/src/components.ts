/**
 * The demo components (CONTRACT §8). Each runs synchronously inside the task object; a component that
 * needs to wait asks for a schedule: CALLBACK (one external callback) or POLL (re-invoked via alarms).
 */
type Outputs = Record<string, unknown>

export type Wait = { type: 'CALLBACK' } | { type: 'POLL'; afterSeconds: number }

export type ExecuteOutcome = { ok: true; outputs: Outputs; wait?: Wait } | { ok: false; exData: string }

export type ScheduleOutcome =
  | { ok: true; outputs: Outputs; done: true }
  | { ok: true; outputs: Outputs; done: false; afterSeconds: number }
  | { ok: false; exData: string }

export interface ExecuteInput {
  inputs: Record<string, unknown>
  /** How many times this node has been retried in the current loop. */
  retry: number
}

export interface ScheduleInput {
  inputs: Record<string, unknown>
  outputs: Outputs
  callbackData: unknown
  startedTime: number
  now: number
}

export interface Component {
  execute(input: ExecuteInput): ExecuteOutcome
  schedule?(input: ScheduleInput): ScheduleOutcome
}

const noop: Component = {
  execute: ({ inputs }) => ({ ok: true, outputs: { ...inputs } }),
}

const fail: Component = {
  execute: () => ({ ok: false, exData: 'the fail component always fails' }),
}

const failOnce: Component = {
  execute: ({ inputs, retry }) =>
    retry === 0
      ? { ok: false, exData: 'the fail_once component fails its first attempt; retry the node to pass' }
      : { ok: true, outputs: { ...inputs } },
}

/** SOPS's manual confirmation: waits for one callback, whose data becomes `outputs.callback_data`. */
const pauseNode: Component = {
  execute: () => ({ ok: true, outputs: {}, wait: { type: 'CALLBACK' } }),
  schedule: ({ outputs, callbackData }) => ({ ok: true, outputs: { ...outputs, callback_data: callbackData }, done: true }),
}

function timingSeconds(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
}

/** Waits `bk_timing` seconds from the node's start, polled through alarms. */
const sleepTimer: Component = {
  execute: ({ inputs }) => {
    const seconds = timingSeconds(inputs.bk_timing)
    if (seconds === undefined) {
      return { ok: false, exData: `bk_timing must be a number of seconds >= 0, got ${JSON.stringify(inputs.bk_timing ?? null)}` }
    }
    return { ok: true, outputs: {}, wait: { type: 'POLL', afterSeconds: seconds } }
  },
  schedule: ({ inputs, outputs, startedTime, now }) => {
    const remainingMs = startedTime + (timingSeconds(inputs.bk_timing) ?? 0) * 1000 - now
    if (remainingMs <= 0) return { ok: true, outputs, done: true }
    return { ok: true, outputs, done: false, afterSeconds: remainingMs / 1000 }
  },
}

export const COMPONENTS: Readonly<Record<string, Component>> = {
  noop,
  fail,
  fail_once: failOnce,
  pause_node: pauseNode,
  sleep_timer: sleepTimer,
}
