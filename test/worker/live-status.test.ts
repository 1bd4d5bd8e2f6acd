/**
 * Live task status (issue 20, docs/live-status.md): the watch stream through the whole pipeline, its
 * poller object driven by running its alarms (never by waiting), and coalesced status reads. The
 * reference engine makes real changes; the stand-in origin counts the calls that reach it, per app.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, inject, it, vi } from 'vitest'
import { engineDriver } from '../../engine/test/engine/driver.ts'
import { single } from '../../engine/test/engine/trees.ts'
import app from '../../src/http/app.ts'
import { taskWatcher } from '../../src/http/client.ts'
import { pollerName } from '../../src/live/target.ts'
import { accessLineSchema } from '../../src/observability/line.ts'
import { authHeader, call, callWith, exemptApp, fakeOrigin, seedApp, toRequest, uniqueCode } from './helpers.ts'

const BIZ = '2'
const OK_ORIGIN = { ORIGIN_URL: fakeOrigin('ok') }
const plenty = { rateLimits: [{ tokens: 10_000, period: 1 }] }
const engine = engineDriver()

const watchPath = (taskId: number | string) => `/api/bk-sops/prod/watch_task_status/${taskId}/${BIZ}/`
const statusPath = (taskId: number | string) => `/api/bk-sops/prod/get_task_status/${taskId}/${BIZ}/`

/** A task whose only node failed (it passes when retried): FAILED until an operation moves it. */
const failedTask = () => engine.createTask(BIZ, single('n', 'fail_once'), { start: true })

interface Block {
  id?: string
  event?: string
  data?: string
  comment?: string
}

/** Reads a stream's events one at a time; `closed` once it ends. */
function events(res: Response) {
  expect(res.status).toBe(200)
  expect(res.headers.get('Content-Type')).toBe('text/event-stream; charset=utf-8')
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  return {
    async next(): Promise<Block | 'closed'> {
      while (!buffer.includes('\n\n')) {
        const chunk = await reader.read()
        if (chunk.done) return 'closed'
        buffer += chunk.value
      }
      const end = buffer.indexOf('\n\n')
      const block: Block = {}
      for (const line of buffer.slice(0, end).split('\n')) {
        if (line.startsWith(':')) block.comment = line.slice(1).trim()
        else {
          const at = line.indexOf(':')
          block[line.slice(0, at) as 'id' | 'event' | 'data'] = line.slice(at + 1).trimStart()
        }
      }
      buffer = buffer.slice(end + 2)
      return block
    },
    cancel: () => reader.cancel(),
  }
}

type Stream = ReturnType<typeof events>

async function nextStatus(stream: Stream) {
  const block = await stream.next()
  if (block === 'closed' || block.event !== 'status') throw new Error(`expected a status event, got ${JSON.stringify(block)}`)
  return { id: Number(block.id), status: JSON.parse(block.data!) as { state: string } }
}

const originCalls = async (appCode: string) => (await (await fetch(`${inject('originUrl')}/__executions/${appCode}`)).json()) as number

const pollerOf = (appCode: string, taskId: number, username = 'admin') =>
  env.TASK_POLLER.getByName(pollerName({ appCode, username, userVerified: false }, { scope: 'cmdb_biz', bk_biz_id: BIZ, task_id: taskId }))

const alarmOf = (stub: DurableObjectStub) => runInDurableObject(stub, (_poller, state) => state.storage.getAlarm())

describe('watch_task_status', () => {
  it('sends the status at once; an operation through the gateway reaches the watchers with no poll; a final state ends the stream', async () => {
    const { headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    const watchers = await Promise.all(Array.from({ length: 3 }, async () => events(await call(watchPath(taskId), { headers }))))
    const first = await Promise.all(watchers.map(nextStatus))
    for (const { id, status } of first) expect({ id, state: status.state }).toEqual({ id: first[0]!.id, state: 'FAILED' })
    // exactly get_task_status's data
    const read = await (await call(statusPath(taskId), { headers })).json<{ data: unknown }>()
    expect(first[0]!.status).toEqual(read.data)

    const retried = await call(`/api/bk-sops/prod/operate_node/${BIZ}/${taskId}/`, { headers, body: { node_id: 'n', action: 'retry' } })
    expect((await retried.json<{ result: boolean }>()).result).toBe(true)
    // No alarm is run: the write itself made the poller refresh.
    for (const watcher of watchers) {
      const { id, status } = await nextStatus(watcher)
      expect(id).toBe(first[0]!.id + 1)
      expect(status.state).toBe('FINISHED')
      expect(await watcher.next()).toEqual({ event: 'end', data: '{"state":"FINISHED"}' })
      expect(await watcher.next()).toBe('closed')
    }
  })

  it('20 watchers of one task: one origin call to open, at most one per poll interval after, and no repeat of an unchanged status', async () => {
    const { code, headers } = await exemptApp(plenty)
    const watchers = await Promise.all(Array.from({ length: 20 }, async () => events(await callWith(OK_ORIGIN, watchPath(77), { headers }))))
    for (const watcher of watchers) expect((await nextStatus(watcher)).status).toBe('success')
    expect(await originCalls(code)).toBe(1)

    const poller = pollerOf(code, 77)
    let polls = 0
    // Alarm times: polls 1, 2, 4, 8 s apart (nothing changes), a keepalive at 15 s.
    for (let interval = 0; interval < 5; interval++) {
      expect(await runDurableObjectAlarm(poller)).toBe(true)
      polls++
    }
    expect(await originCalls(code)).toBeLessThanOrEqual(1 + polls)
    expect(await originCalls(code)).toBeGreaterThan(1)
    // The status never changed: the first thing after it is the keepalive, on every stream.
    for (const watcher of watchers) expect(await watcher.next()).toEqual({ comment: 'keepalive' })
    await Promise.all(watchers.map((w) => w.cancel()))
  })

  it('a change the poll finds reaches every watcher', async () => {
    const { code, headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    const watchers = await Promise.all(Array.from({ length: 20 }, async () => events(await call(watchPath(taskId), { headers }))))
    for (const watcher of watchers) expect((await nextStatus(watcher)).status.state).toBe('FAILED')
    // Changed behind the gateway's back (on the engine directly): only a poll can see it.
    await engine.operateNode(BIZ, taskId, { node_id: 'n', action: 'retry' })
    expect(await runDurableObjectAlarm(pollerOf(code, taskId))).toBe(true)
    for (const watcher of watchers) {
      expect((await nextStatus(watcher)).status.state).toBe('FINISHED')
      expect((await watcher.next()) as Block).toMatchObject({ event: 'end' })
    }
  })

  it('Last-Event-ID resumes without a repeat', async () => {
    const { headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    const first = events(await call(watchPath(taskId), { headers }))
    const seen = await nextStatus(first)
    await first.cancel()

    const resumed = events(await call(watchPath(taskId), { headers: { ...headers, 'Last-Event-ID': String(seen.id) } }))
    await call(`/api/bk-sops/prod/operate_node/${BIZ}/${taskId}/`, { headers, body: { node_id: 'n', action: 'retry' } })
    // The unchanged FAILED status is not sent again: the first event is the change.
    const next = await nextStatus(resumed)
    expect({ id: next.id, state: next.status.state }).toEqual({ id: seen.id + 1, state: 'FINISHED' })

    // Resuming a finished task that was already seen: just the end.
    const late = events(await call(watchPath(taskId), { headers: { ...headers, 'Last-Event-ID': String(next.id) } }))
    expect(await late.next()).toEqual({ event: 'end', data: '{"state":"FINISHED"}' })
    expect(await late.next()).toBe('closed')
  })

  it('two identities never share a poll', async () => {
    const a = await exemptApp(plenty)
    const b = await exemptApp(plenty)
    const streams = [events(await callWith(OK_ORIGIN, watchPath(78), { headers: a.headers })), events(await callWith(OK_ORIGIN, watchPath(78), { headers: b.headers }))]
    const code = uniqueCode()
    await seedApp(code, { userExempt: true, ...plenty })
    for (const user of ['alice', 'bob']) {
      streams.push(events(await callWith(OK_ORIGIN, watchPath(78), { headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: user }) })))
    }
    for (const stream of streams) await nextStatus(stream)
    expect([await originCalls(a.code), await originCalls(b.code), await originCalls(code)]).toEqual([1, 1, 2])
    await Promise.all(streams.map((s) => s.cancel()))
  })

  it('the poller stops when its last watcher leaves', async () => {
    const { code, headers } = await exemptApp(plenty)
    const [one, two] = await Promise.all([0, 1].map(async () => events(await callWith(OK_ORIGIN, watchPath(79), { headers }))))
    await nextStatus(one!)
    await nextStatus(two!)
    const poller = pollerOf(code, 79)
    await one!.cancel()
    expect(await runDurableObjectAlarm(poller)).toBe(true) // still polling for the other
    await two!.cancel()
    await vi.waitFor(async () => expect(await alarmOf(poller)).toBeNull())
    const calls = await originCalls(code)
    expect(await runDurableObjectAlarm(poller)).toBe(false)
    expect(await originCalls(code)).toBe(calls)
  })

  it('ESB credentials in the query (EventSource) are accepted', async () => {
    const { code } = await exemptApp(plenty)
    const res = await callWith(OK_ORIGIN, `${watchPath(80)}?bk_app_code=${code}&bk_app_secret=secret&bk_username=admin`)
    const stream = events(res)
    expect((await nextStatus(stream)).status).toBe('success')
    await stream.cancel()
  })

  it('refusals before the stream are the usual envelopes', async () => {
    const { headers } = await exemptApp({ ...plenty, resources: ['operate_node'] })
    const forbidden = await call(watchPath(12), { headers })
    expect([forbidden.status, (await forbidden.json<{ code_name: string }>()).code_name]).toEqual([403, 'APP_NO_PERMISSION'])

    const anonymous = await call(watchPath(12))
    expect([anonymous.status, (await anonymous.json<{ code_name: string }>()).code_name]).toEqual([400, 'INVALID_ARGS'])

    const allowed = await exemptApp(plenty)
    const badId = await call(watchPath(12), { headers: { ...allowed.headers, 'Last-Event-ID': 'x'.repeat(40) } })
    expect([badId.status, (await badId.json<{ code_name: string }>()).code_name]).toEqual([400, 'REQUEST_PARAM_INVALID'])

    // SOPS's own refusal, as get_task_status answers it: HTTP 200, result false, no stream.
    const missing = await call(watchPath(999_999_999), { headers: allowed.headers })
    expect(missing.headers.get('Content-Type')).toContain('application/json')
    expect((await missing.json<{ result: boolean }>()).result).toBe(false)

    const limited = await exemptApp({ rateLimits: [{ tokens: 1, period: 60 }] })
    events(await callWith(OK_ORIGIN, watchPath(81), { headers: limited.headers })).cancel()
    const second = await callWith(OK_ORIGIN, watchPath(81), { headers: limited.headers })
    expect(second.status).toBe(429)
  })

  it('writes one access-log line per stream, when it ends, with its duration and events', async () => {
    const { headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    const printed = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      const res = await app.fetch(toRequest(watchPath(taskId), { headers }), { ...env, LOG_FORMAT: 'json' })
      const stream = events(res)
      await nextStatus(stream)
      expect(printed).not.toHaveBeenCalled()
      await call(`/api/bk-sops/prod/operate_node/${BIZ}/${taskId}/`, { headers, body: { node_id: 'n', action: 'retry' } })
      while ((await stream.next()) !== 'closed');
      await vi.waitFor(() => expect(printed).toHaveBeenCalledTimes(1))
      const line = accessLineSchema.parse(printed.mock.calls[0]![0])
      expect(line).toMatchObject({ resource: 'get_task_status', status: 200, task_id: taskId, stream_events: 3 })
      expect(line.stream_ms).toBeGreaterThanOrEqual(0)
      expect(line.message).toContain('stream 3 events')
    } finally {
      printed.mockRestore()
    }
  })
})

describe('coalesced status reads', () => {
  it('50 concurrent identical reads of one identity reach the origin at most twice', async () => {
    const { code, headers } = await exemptApp(plenty)
    const answers = await Promise.all(Array.from({ length: 50 }, () => callWith(OK_ORIGIN, statusPath(82), { headers })))
    for (const res of answers) expect((await res.json<{ result: boolean }>()).result).toBe(true)
    expect(await originCalls(code)).toBeLessThanOrEqual(2)
  })

  it('a read right after an operate_node through the gateway shows the new state', async () => {
    const { headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    const state = async () => (await (await call(statusPath(taskId), { headers })).json<{ data: { state: string } }>()).data.state
    expect(await state()).toBe('FAILED')
    await call(`/api/bk-sops/prod/operate_node/${BIZ}/${taskId}/`, { headers, body: { node_id: 'n', action: 'retry' } })
    expect(await state()).toBe('FINISHED')
  })

  it('so does a read with ex_data: one poller keeps both, and the write clears both', async () => {
    const { headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    const state = async (query: string) => (await (await call(`${statusPath(taskId)}${query}`, { headers })).json<{ data: { state: string } }>()).data.state
    expect([await state(''), await state('?with_ex_data=1')]).toEqual(['FAILED', 'FAILED'])
    await call(`/api/bk-sops/prod/operate_node/${BIZ}/${taskId}/`, { headers, body: { node_id: 'n', action: 'retry' } })
    expect([await state(''), await state('?with_ex_data=1')]).toEqual(['FINISHED', 'FINISHED'])
  })
})

describe('the quiet lease of a poller nobody uses', () => {
  const operate = (taskId: number, headers: Record<string, string>, node_id: string) =>
    call(`/api/bk-sops/prod/operate_node/${BIZ}/${taskId}/`, { headers, body: { node_id, action: 'retry' } })
  const quietUntil = (code: string, taskId: number) => runInDurableObject(pollerOf(code, taskId), (_poller, state) => state.storage.get<number>('quiet_until'))
  /** Two writes that change nothing (no such node), the clock standing still between them: a burst however slow the machine. */
  const burst = async (taskId: number, headers: Record<string, string>) => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      for (let i = 0; i < 2; i++) await operate(taskId, headers, 'none')
    } finally {
      vi.useRealTimers()
    }
  }

  it('is not lent for a lone write, which leaves nothing stored', async () => {
    const { code, headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    await operate(taskId, headers, 'none')
    expect(await quietUntil(code, taskId)).toBeUndefined()
    expect(await alarmOf(pollerOf(code, taskId))).toBeNull()
  })

  it('is lent to a burst of writes; a read after a write made under it, untold, is still new', async () => {
    const { code, headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    // Writes to a task nobody has read or watched: the poller lends a lease.
    await burst(taskId, headers)
    expect(await quietUntil(code, taskId)).toBeGreaterThan(0)
    const state = async () => (await (await call(statusPath(taskId), { headers })).json<{ data: { state: string } }>()).data.state
    expect(await state()).toBe('FAILED')
    await operate(taskId, headers, 'n')
    expect(await state()).toBe('FINISHED')
  })

  it('a stream opened under it is polled by the time it ends, so it sees the writes made under it', async () => {
    const { code, headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    await burst(taskId, headers)
    const watcher = events(await call(watchPath(taskId), { headers }))
    expect((await nextStatus(watcher)).status.state).toBe('FAILED')
    await operate(taskId, headers, 'n')
    // The poll due when the lease ends (or the write's own word to the poller, had the lease run out).
    await runDurableObjectAlarm(pollerOf(code, taskId))
    expect((await nextStatus(watcher)).status.state).toBe('FINISHED')
    expect(await quietUntil(code, taskId)).toBeGreaterThan(0)
  })

  it('leaves nothing stored once it has ended', async () => {
    const { code, headers } = await exemptApp(plenty)
    const taskId = await failedTask()
    await burst(taskId, headers)
    const until = (await quietUntil(code, taskId))!
    vi.useFakeTimers({ toFake: ['Date'], now: until })
    try {
      expect(await runDurableObjectAlarm(pollerOf(code, taskId))).toBe(true)
    } finally {
      vi.useRealTimers()
    }
    expect(await quietUntil(code, taskId)).toBeUndefined()
    expect(await alarmOf(pollerOf(code, taskId))).toBeNull()
  })
})

describe('sops-edge/client watchTaskStatus', () => {
  it('reads the stream with headers, validates each status, and stops on end', async () => {
    const { code } = await exemptApp(plenty)
    const taskId = await failedTask()
    const watcher = taskWatcher('https://gateway.test/', { bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' }, {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
    })
    const seen: string[] = []
    let ended = ''
    const watching = watcher.watchTaskStatus(
      { task_id: taskId, bk_biz_id: BIZ },
      {
        onStatus: (status) => {
          seen.push(status.state)
          if (status.state === 'FAILED') void call(`/api/bk-sops/prod/operate_node/${BIZ}/${taskId}/`, { headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' }), body: { node_id: 'n', action: 'retry' } })
        },
        onEnd: (state) => void (ended = state),
      },
    )
    await watching
    expect(seen).toEqual(['FAILED', 'FINISHED'])
    expect(ended).toBe('FINISHED')
  })

  it('hands a refusal to onError, without retrying', async () => {
    let refusal: { status: number } | undefined
    await taskWatcher('https://gateway.test/', { bk_app_code: 'nobody', bk_app_secret: 'x', bk_username: 'admin' }, {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
    }).watchTaskStatus({ task_id: 1, bk_biz_id: BIZ }, { onStatus: () => {}, onError: (error) => void (refusal = error) })
    expect(refusal?.status).toBe(400)
  })
})

it('/openapi.json documents the stream', async () => {
  const document = await (await call('/openapi.json')).json<{ paths: Record<string, { get?: { responses: Record<string, { content: object }> } }> }>()
  expect(Object.keys(document.paths['/api/bk-sops/prod/watch_task_status/{task_id}/{bk_biz_id}/']!.get!.responses['200']!.content)).toContain('text/event-stream')
})
