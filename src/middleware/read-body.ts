import { createMiddleware } from 'hono/factory'
import { readBounded } from '../origin/bounded-read.ts'
import type { Gateway } from '../http/context.ts'
import { GatewayError, invalidParameters } from '../lib/errors.ts'
import { jsonProblem } from '../lib/json-limits.ts'
import type { Resource } from '../http/resources.ts'
import { perEnv, positiveInt, varOr } from '../lib/vars.ts'

/** BODY_LIMIT_BYTES, read once per env. */
const bodyLimit = perEnv((env) => positiveInt('BODY_LIMIT_BYTES', varOr(env, 'BODY_LIMIT_BYTES', String(1024 * 1024))))

/**
 * Reads the body once, refusing it past the size limit before it is all in memory, and parses it as
 * JSON whatever its Content-Type, as BlueKing reads any body that starts with `{`. A POST's body must
 * be a JSON object within the nesting limits (3540000, naming the body); a GET's body is not a
 * parameter and may be anything.
 */
export const readBody = (resource: Resource) =>
  createMiddleware<Gateway>(async (c, next) => {
    const text = await readBounded(c.req.raw, bodyLimit(c.env))
    if (text === null) throw new GatewayError('BODY_SIZE_LIMIT_EXCEED')
    if (c.req.header('Content-Length') === undefined) c.set('bodyBytes', new TextEncoder().encode(text).byteLength)
    const body = parse(text)
    if ('problem' in body) {
      if (resource.method === 'post') throw invalidParameters([body.problem])
      c.set('body', {})
    } else {
      c.set('body', body.fields)
    }
    await next()
  })

function parse(raw: string): { fields: Record<string, unknown> } | { problem: { path: string; message: string } } {
  const text = raw.trim()
  if (text === '') return { fields: {} }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problem: { path: 'body', message: 'the request body is not valid JSON' } }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: { path: 'body', message: 'the request body must be a JSON object' } }
  }
  const problem = jsonProblem(value)
  if (problem) return { problem }
  return { fields: value as Record<string, unknown> }
}
