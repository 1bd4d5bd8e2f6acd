/** What the credential commands need of KV, and how they read what it holds. */
import type * as z from 'zod'
import { UserError } from './errors.ts'

export interface KvStore {
  get(key: string): Promise<string | null>
  put(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
  list(prefix: string): Promise<string[]>
  close(): Promise<void>
}

/** A stored JSON record, checked with the schema the gateway reads it with. */
export function parseStored<T>(schema: z.ZodType<T>, raw: string, what: string): T {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    throw new UserError(`the stored ${what} is not JSON`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new UserError(`the stored ${what} is invalid: ${parsed.error.message}`)
  return parsed.data
}
