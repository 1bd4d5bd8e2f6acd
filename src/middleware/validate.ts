import { createMiddleware } from 'hono/factory'
import type * as z from 'zod'
import type { Gateway } from '../context.ts'
import { type FieldProblem, bounded, invalidParameters } from '../errors.ts'
import type { Resource } from '../resources.ts'

const toProblems = (issues: z.core.$ZodIssue[]): FieldProblem[] =>
  issues.map((issue) => ({ path: bounded(issue.path.join('.')) || 'body', message: issue.message }))

/**
 * Validates the call against the resource's schema, naming every invalid field. The parameters are
 * the query string, then (POST) the body's fields, then the path's ids: the ESB form and the
 * gateway form meet in one shape here.
 */
export const validate = (resource: Resource) =>
  createMiddleware<Gateway>(async (c, next) => {
    const fields = resource.method === 'post' ? c.get('body') : {}
    const parsed = resource.schema.safeParse({ ...c.req.query(), ...fields, ...c.req.param() })
    if (!parsed.success) throw invalidParameters(toProblems(parsed.error.issues))
    c.set('input', parsed.data)
    await next()
  })
