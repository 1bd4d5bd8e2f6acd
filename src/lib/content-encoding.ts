/**
 * A caller's body as the bytes it stands for. The runtime hands a Worker request bodies as sent, so a
 * gzip or deflate body is decoded here, as it streams: the size limit then counts what the body decodes
 * to, and a few kilobytes can never become gigabytes unseen. Other encodings are refused.
 */
const FORMATS: Record<string, CompressionFormat | 'identity'> = { identity: 'identity', gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate' }

type CompressionFormat = ConstructorParameters<typeof DecompressionStream>[0]

/** The encodings a body may come in, for the message that refuses another. */
export const ACCEPTED_ENCODINGS = Object.keys(FORMATS)

/** The body decoded as it is read, or undefined when its Content-Encoding is not one the gateway reads. */
export function decodedBody(request: Request): ReadableStream<Uint8Array> | null | undefined {
  const format = FORMATS[(request.headers.get('Content-Encoding') ?? 'identity').trim().toLowerCase() || 'identity']
  if (format === undefined) return undefined
  if (format === 'identity' || !request.body) return request.body
  // preventCancel: a body refused mid-way releases the caller's stream rather than cancelling it, so
  // what is left of it can still be drained and the refusal reach the caller (../middleware/drain-body.ts).
  return request.body.pipeThrough(new DecompressionStream(format), { preventCancel: true })
}
