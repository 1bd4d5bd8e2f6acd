/**
 * Every refusal arrives. A call answered before its body was read through (a 413, a 404, a refused
 * credential) may find the caller still sending: a server that answers and closes then makes the
 * caller's TCP stack reset the connection, and the answer is lost. So whatever is left of the body is
 * read and dropped before the answer goes — up to a bound, past which waiting is not worth it.
 */
import { createMiddleware } from 'hono/factory'
import type { Gateway } from './context.ts'
import { bodyLimit } from './read-body.ts'

/** How much past BODY_LIMIT_BYTES is still drained: a body a few times too large is a mistake worth answering. */
const DRAINED_LIMITS = 4

export const drainBody = () =>
  createMiddleware<Gateway>(async (c, next) => {
    await next()
    const body = c.req.raw.body
    // Locked: read to its end, or being read by whoever holds it.
    if (!body || body.locked) return
    try {
      await drain(body, DRAINED_LIMITS * bodyLimit(c.env), Number(c.req.header('Content-Length')))
    } catch {
      // Best effort: the answer is decided, and a caller gone mid-body needs none.
    }
  })

async function drain(body: ReadableStream<Uint8Array>, bound: number, declared: number) {
  if (declared > bound) return body.cancel()
  const reader = body.getReader()
  let drained = 0
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    drained += read.value.byteLength
    if (drained > bound) return reader.cancel()
  }
}
