import type { MiddlewareHandler } from 'hono'
import type { Gateway } from './context.ts'
import { invalidParameters, toProblems } from '../lib/errors.ts'
import { parseIdempotencyKey } from '../idempotency/key.ts'
import type { Resource } from '../resources/table.ts'

/**
 * Validates the call against the resource's schema, naming every invalid field. The parameters are
 * the query string, then (POST) the body's fields, then the path's ids: the ESB form and the
 * gateway form meet in one shape here. A write's `Idempotency-Key` header is a parameter too.
 *
 * Why not @hono/zod-validator, as the admin endpoint uses: it validates one target (json, query,
 * param, header) at a time, while ESB merges query, body and path into one set of parameters (an id
 * may come from any of them) and one 400 must name every problem across them, the header's included.
 * The body is already read and bounded by readBody(), so here the schema sees plain values.
 */
export const validate =
  (resource: Resource): MiddlewareHandler<Gateway> =>
  (c, next) => {
    const post = resource.method === 'post'
    const parsed = resource.schema.safeParse({ ...c.req.query(), ...(post ? c.get('body') : {}), ...c.req.param() })
    const problems = parsed.success ? [] : toProblems(parsed.error.issues)
    const keyHeader = resource.write ? c.req.header('Idempotency-Key') : undefined
    if (keyHeader !== undefined) {
      const key = parseIdempotencyKey(keyHeader)
      if ('problem' in key) problems.push({ path: 'Idempotency-Key', message: key.problem })
      else c.set('idempotencyKey', key.key)
    }
    if (!parsed.success || problems.length > 0) throw invalidParameters(problems)
    c.set('input', parsed.data)
    return next()
  }
