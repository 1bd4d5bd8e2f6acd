/** The Server-Sent Events the poller writes (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
const encoder = new TextEncoder()

/** `text` is JSON: one line, so one `data:` field. */
export const statusEvent = (version: number, text: string) => encoder.encode(`id: ${version}\nevent: status\ndata: ${text}\n\n`)

export const endEvent = (state: string) => encoder.encode(`event: end\ndata: ${JSON.stringify({ state })}\n\n`)

export const keepalive = () => encoder.encode(': keepalive\n\n')

export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  // Proxies such as nginx would otherwise hold events back.
  'X-Accel-Buffering': 'no',
}
