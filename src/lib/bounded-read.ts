const decoder = new TextDecoder()

/**
 * Reads a body whole, but never more than `limit` bytes of it, counted as they arrive — decoded bytes
 * when the stream decodes, whatever Content-Length or Content-Encoding claimed. Null means the body is
 * over the limit: reading stops there and the rest is left unread (and unlocked), for the caller to
 * cancel or drain.
 */
export async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string | null> {
  if (!body) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength
    if (size > limit) {
      reader.releaseLock()
      return null
    }
    chunks.push(read.value)
  }
  if (chunks.length === 1) return decoder.decode(chunks[0])
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return decoder.decode(bytes)
}
