/**
 * Server-Sent Events over fetch, for the client's watchTaskStatus (browser and Node): fetch, not
 * EventSource, so the credentials travel in a header; the stream reopened with Last-Event-ID when it
 * drops, so no change is missed and none is repeated.
 */

export interface SseEvent {
  id: string
  type: string
  data: string
}

/** What the gateway answered instead of a stream. */
export interface Refusal {
  status: number
  body: unknown
}


/** Opens the stream, resuming after `lastEventId` when given. */
export type OpenStream = (lastEventId: string | undefined, signal: AbortSignal | undefined) => Promise<Response>

const RETRY_MIN_MS = 1_000
const RETRY_MAX_MS = 30_000
/** The longest line kept while reading (a status tree is far smaller). */
const MAX_LINE_CHARS = 16 * 1024 * 1024

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })

/** Hands each event to `onEvent` until it returns true (the end), the gateway refuses, or `signal` aborts. */
export async function watchStream(open: OpenStream, onEvent: (event: SseEvent) => boolean, signal?: AbortSignal): Promise<Refusal | undefined> {
  let lastEventId: string | undefined
  let retryMs = RETRY_MIN_MS
  while (!signal?.aborted) {
    try {
      const res = await open(lastEventId, signal)
      if (res.status === 200 && res.headers.get('Content-Type')?.startsWith('text/event-stream') && res.body) {
        retryMs = RETRY_MIN_MS
        const ended = await readEvents(res.body, (id) => (lastEventId = id), onEvent, signal)
        if (ended) return undefined
        continue // closed at its lifetime: reopen at once
      }
      const body: unknown = await res.json().catch(() => null)
      if (res.status !== 429 && res.status < 500) return { status: res.status, body }
      const after = Number(res.headers.get('Retry-After'))
      if (after > 0) retryMs = Math.max(retryMs, after * 1000)
    } catch {
      // a network failure, or the stream dropped: retried below
    }
    if (signal?.aborted) return undefined
    await sleep(retryMs, signal)
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
  }
}

/** Reads events until the stream closes; true when it ended with `event: end`. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  seen: (id: string) => void,
  onEvent: (event: SseEvent) => boolean,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  const stop = () => void reader.cancel().catch(() => {})
  signal?.addEventListener('abort', stop, { once: true })
  let buffer = ''
  let event = { id: '', type: '', data: '' }
  try {
    for (;;) {
      const chunk = await reader.read()
      if (chunk.done) return false
      buffer += chunk.value
      let newline
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline).replace(/\r$/, '')
        buffer = buffer.slice(newline + 1)
        if (line === '') {
          if (event.id) seen(event.id)
          if (event.type && onEvent(event)) return true
          event = { id: '', type: '', data: '' }
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'id') event.id = value
          else if (field === 'event') event.type = value
          else if (field === 'data') event.data += event.data ? `\n${value}` : value
        }
      }
      if (buffer.length > MAX_LINE_CHARS) return false
    }
  } finally {
    signal?.removeEventListener('abort', stop)
  }
}
