/**
 * What the gateway requires of caller JSON before any schema sees it: bounded nesting, so no parser
 * or validator down the line can run out of stack, and no `__proto__` key, which a JavaScript object
 * cannot carry as data and would silently drop before the origin.
 */
import type { FieldProblem } from './errors.ts'

export const MAX_JSON_DEPTH = 64

/** The first place where `value` breaks a rule, with its path (`data.a.0`), or undefined. */
export function jsonProblem(value: unknown, depth = 0): FieldProblem | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  if (depth >= MAX_JSON_DEPTH) return { path: '', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }
  for (const [key, child] of Object.entries(value)) {
    if (key === '__proto__') return { path: key, message: 'the key __proto__ is not accepted' }
    const problem = jsonProblem(child, depth + 1)
    if (problem) return { ...problem, path: problem.path ? `${key}.${problem.path}` : key }
  }
  return undefined
}
