import { createMiddleware } from 'hono/factory'
import { readBounded } from '../lib/bounded-read.ts'
import { ACCEPTED_ENCODINGS, decodedBody } from '../lib/content-encoding.ts'
import type { Gateway } from './context.ts'
import { type FieldProblem, GatewayError, bounded, invalidParameters } from '../lib/errors.ts'
import { DuplicateKey, parseExactJson } from '../lib/exact-json.ts'
import { MAX_JSON_DEPTH, jsonProblem } from '../lib/json-limits.ts'
import type { Resource } from '../resources/table.ts'
import { perEnv, positiveInt, varOr } from '../lib/vars.ts'

/** BODY_LIMIT_BYTES, read once per env. */
export const bodyLimit = perEnv((env) => positiveInt('BODY_LIMIT_BYTES', varOr(env, 'BODY_LIMIT_BYTES', String(1024 * 1024))))

const encoder = new TextEncoder()

/**
 * Reads the body once, counting its decoded bytes and refusing it past the size limit before it is all
 * in memory, and parses it as JSON whatever its Content-Type, as BlueKing reads any body that starts
 * with `{`. A POST's body must be a JSON object within the nesting limits (3540000, naming the body); a
 * GET's body is not a parameter: it is not read (./drain-body.ts drops it), so a GET is never too large.
 */
export const readBody = (resource: Resource) =>
  createMiddleware<Gateway>(async (c, next) => {
    if (resource.method === 'get') {
      c.set('body', {})
      return next()
    }
    const read = await readDecoded(c.req.raw, bodyLimit(c.env))
    if (read === null) throw new GatewayError('BODY_SIZE_LIMIT_EXCEED')
    if ('text' in read && c.req.header('Content-Length') === undefined) c.set('bodyBytes', encoder.encode(read.text).byteLength)
    const body = 'text' in read ? parse(read.text) : read
    if ('problem' in body) throw invalidParameters([body.problem])
    c.set('body', body.fields)
    await next()
  })

/** The body as text, a problem with its encoding, or null when it decodes to more than `limit` bytes. */
async function readDecoded(request: Request, limit: number): Promise<{ text: string } | { problem: FieldProblem } | null> {
  const body = decodedBody(request)
  if (body === undefined) {
    return { problem: { path: 'Content-Encoding', message: `must be one of ${ACCEPTED_ENCODINGS.join(', ')}` } }
  }
  try {
    const text = await readBounded(body, limit)
    // A decoding stream cut short: cancelling it releases the caller's stream, left to be drained.
    if (text === null && body !== request.body) await body?.cancel()
    return text === null ? null : { text }
  } catch (err) {
    if (body === request.body) throw err
    return { problem: { path: 'body', message: `is not valid ${bounded(request.headers.get('Content-Encoding') ?? '')} data` } }
  }
}

function parse(raw: string): { fields: Record<string, unknown> } | { problem: FieldProblem } {
  const text = raw.trim()
  if (text === '') return { fields: {} }
  let value: unknown
  try {
    value = parseExactJson(text)
  } catch (err) {
    if (err instanceof DuplicateKey) return { problem: { path: bounded(err.key), message: 'is given twice' } }
    // Only nesting can exhaust the runtime's stack (its reviver descends once per level).
    if (err instanceof RangeError) return { problem: { path: 'body', message: `nests deeper than ${MAX_JSON_DEPTH} levels` } }
    return { problem: { path: 'body', message: 'the request body is not valid JSON' } }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: { path: 'body', message: 'the request body must be a JSON object' } }
  }
  const problem = jsonProblem(value)
  if (problem) return { problem }
  return { fields: value as Record<string, unknown> }
}
