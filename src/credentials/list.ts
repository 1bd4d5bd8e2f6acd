/**
 * Every key name under a prefix, page by page along KV's list cursor. Typed by shape alone, so the
 * admin endpoint passes its KV binding and the admin CLI on Node passes Miniflare's.
 */
interface ListableKv {
  list(options: { prefix: string; cursor?: string }): Promise<{ keys: { name: string }[]; list_complete: boolean; cursor?: string }>
}

export async function listKeyNames(kv: ListableKv, prefix: string): Promise<string[]> {
  const names: string[] = []
  let cursor: string | undefined
  do {
    const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) })
    names.push(...page.keys.map((k) => k.name))
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return names
}
