import { createMiddleware } from 'hono/factory'
import type { z } from 'zod'
import type { Gateway } from '../context.ts'
import { type FieldProblem, GatewayError } from '../errors.ts'
import type { Resource } from '../resources.ts'

const invalid = (problems: FieldProblem[]) =>
  new GatewayError(
    'REQUEST_PARAM_INVALID',
    { reason: problems.map((p) => `${p.path}: ${p.message}`).join('; ') },
    { errors: problems },
  )

const toProblems = (issues: z.core.$ZodIssue[]): FieldProblem[] =>
  issues.map((issue) => ({ path: issue.path.join('.') || 'body', message: issue.message }))

/**
 * Validates the call against the resource's schema, naming every invalid field. The parameters are
 * the query string, then (POST) the body's fields, then the path's ids: the ESB form and the
 * gateway form meet in one shape here.
 */
export const validate = (resource: Resource) =>
  createMiddleware<Gateway>(async (c, next) => {
    const body = c.get('body')
    if (resource.method === 'post' && 'problem' in body) throw invalid([{ path: 'body', message: body.problem }])

    const fields = resource.method === 'post' && 'fields' in body ? body.fields : {}
    const parsed = resource.schema.safeParse({ ...c.req.query(), ...fields, ...c.req.param() })
    if (!parsed.success) throw invalid(toProblems(parsed.error.issues))
    c.set('input', parsed.data)
    await next()
  })
