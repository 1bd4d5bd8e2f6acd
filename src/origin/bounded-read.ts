const decoder = new TextDecoder()

/**
 * Reads a request's or a response's body whole, but never more than `limit` bytes of it: a body that
 * declares a larger length is refused unread, one that streams past the limit is cut off there.
 * Null means the body is over the limit.
 */
export async function readBounded(message: Request | Response, limit: number): Promise<string | null> {
  if (limit === Number.POSITIVE_INFINITY) return whole(message)
  const declared = message.headers.get('Content-Length')
  // The runtime holds a body to its declared length, so one within the limit is safe to read in one call.
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) <= limit) return whole(message)
    await message.body?.cancel()
    return null
  }
  if (!message.body) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = message.body.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength
    if (size > limit) {
      await reader.cancel()
      return null
    }
    chunks.push(read.value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return decoder.decode(bytes)
}


/**
 * The body as text. JSON is read as text directly; anything else (BlueKing reads any body as JSON,
 * whatever its Content-Type) as bytes, which the runtime does not warn about as it does for text().
 */
async function whole(message: Request | Response): Promise<string> {
  const type = message.headers.get('Content-Type')
  return type !== null && /^application\/json\b/i.test(type) ? message.text() : decoder.decode(await message.arrayBuffer())
}
