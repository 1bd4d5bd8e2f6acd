import type { Context } from 'hono'

/**
 * Work that may finish after the response: the request's waitUntil in production. Without an execution
 * context (the app called directly, as some tests do) the work simply runs on; its failure is its own.
 */
export function background(c: Context): (work: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx
    return (work) => ctx.waitUntil(work)
  } catch {
    return (work) => void work.catch(() => {})
  }
}
