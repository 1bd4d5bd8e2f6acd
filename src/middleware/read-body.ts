import { createMiddleware } from 'hono/factory'
import type { Gateway } from '../context.ts'
import { GatewayError } from '../errors.ts'

const DEFAULT_LIMIT = 1024 * 1024

/** The request body as the later steps see it: its top-level fields, or why it has none. */
export type ParsedBody = { fields: Record<string, unknown> } | { problem: string }

/**
 * Reads the body once, refusing it past the size limit before it is all in memory, and parses it as
 * JSON whatever its Content-Type, as BlueKing reads any body that starts with `{`.
 */
export const readBody = () =>
  createMiddleware<Gateway>(async (c, next) => {
    const limit = Number(c.env.BODY_LIMIT_BYTES) || DEFAULT_LIMIT
    const declared = c.req.header('Content-Length')
    if (Number(declared) > limit) throw new GatewayError('BODY_SIZE_LIMIT_EXCEED')
    const body = c.req.raw.body
    // The runtime holds a body to its Content-Length, so a declared length within the limit is safe to read whole.
    const raw = !body ? '' : declared !== undefined ? await c.req.raw.text() : await readCapped(body, limit)
    c.set('body', parse(raw))
    await next()
  })

async function readCapped(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.byteLength
    if (size > limit) throw new GatewayError('BODY_SIZE_LIMIT_EXCEED')
    chunks.push(chunk)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}

function parse(raw: string): ParsedBody {
  const text = raw.trim()
  if (text === '') return { fields: {} }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problem: 'the request body is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'the request body must be a JSON object' }
  }
  return { fields: value as Record<string, unknown> }
}
