/** A stream passed through unchanged, counting its events, for the stream's one access-log line. */

export interface StreamSummary {
  /** Events sent (`event:` lines), keepalive comments not counted. */
  events: number
  /** How long the stream stayed open. */
  ms: number
}

const MARK = '\nevent:'

/** `onCancel`: the client went away. */
export function countedStream(source: ReadableStream<Uint8Array>, onCancel: () => void): { stream: ReadableStream<Uint8Array>; done: Promise<StreamSummary> } {
  const started = Date.now()
  const reader = source.getReader()
  const decoder = new TextDecoder()
  let events = 0
  // The end of what came before, so a mark cut between two chunks is still found (and none counted twice).
  let tail = '\n'
  let finish!: (summary: StreamSummary) => void
  const done = new Promise<StreamSummary>((resolve) => (finish = resolve))
  const end = () => finish({ events, ms: Date.now() - started })
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read()
        if (chunk.done) {
          controller.close()
          return end()
        }
        const text = tail + decoder.decode(chunk.value, { stream: true })
        for (let at = text.indexOf(MARK); at !== -1; at = text.indexOf(MARK, at + 1)) events++
        tail = text.slice(-(MARK.length - 1))
        controller.enqueue(chunk.value)
      } catch (error) {
        controller.error(error)
        end()
      }
    },
    cancel(reason) {
      end()
      onCancel()
      return reader.cancel(reason)
    },
  })
  return { stream, done }
}
