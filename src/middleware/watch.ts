/**
 * The watch_task_status step, in place of the proxy: opens a stream on the identity's task poller.
 * A refusal before the stream (SOPS's, the origin failing, too many watchers) is an envelope, as
 * get_task_status would answer; the stream's access-log line is written when it ends
 * (../live/counted-stream.ts).
 */
import type { Handler } from 'hono'
import type { Gateway } from './context.ts'
import { background } from '../lib/background.ts'
import { GatewayError, invalidParameters, jsonResponse } from '../lib/errors.ts'
import { countedStream } from '../live/counted-stream.ts'
import { replyOf } from '../live/fetched.ts'
import { MAX_WATCHERS } from '../live/config.ts'
import { identityOf } from './origin-calls.ts'
import { EVENT_STREAM_HEADERS } from '../live/sse.ts'
import type { Opened } from '../live/poller.ts'
import { originSettings, pollerOf, taskOf, wantsExData } from '../live/target.ts'

const VERSION = /^\d{1,15}$/

export const watch = (): Handler<Gateway> => async (c) => {
  const given = c.req.header('Last-Event-ID')?.trim()
  if (given && !VERSION.test(given)) throw invalidParameters([{ path: 'Last-Event-ID', message: 'must be an event id this stream sent' }])
  const input = c.get('input')
  const task = taskOf(input)!
  const exData = wantsExData(input.with_ex_data)
  const poller = pollerOf(c.env, identityOf(c), task)
  // The stub's type cannot spell `unknown` data across the RPC boundary; it is the object's own Opened.
  const opened = (await poller.watch({
    who: identityOf(c),
    task,
    exData,
    settings: originSettings(c.env),
    lastEventId: given ? Number(given) : null,
  })) as Opened
  if ('refused' in opened) {
    if (opened.refused === 'full') {
      throw new GatewayError('RATE_LIMIT_RESTRICTION', { reason: `at most ${MAX_WATCHERS} streams watch one task for one user` }, { headers: { 'Retry-After': '60' } })
    }
    if (opened.refused.origin) c.get('timings').origin = opened.refused.origin
    const reply = replyOf(opened.refused)
    c.set('originAnswer', reply.envelope)
    return jsonResponse(reply.status, { ...reply.envelope, request_id: c.get('requestId') }, reply.headers)
  }
  const { watcher } = opened
  const { stream, done } = countedStream(opened.stream, () => {
    if (watcher) background(c)(poller.leave(watcher))
  })
  c.set('stream', done)
  return new Response(stream, { headers: EVENT_STREAM_HEADERS })
}
