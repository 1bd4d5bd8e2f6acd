/** JSON values: what crosses the RPC boundary between the entrypoint and the task objects. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * How deeply a request body may nest arrays and objects. SOPS's Python parser gives up near its
 * recursion limit (1000) and SOPS answers as for any body that is not JSON; deeper values would also
 * overflow the stack when passed to a task object over RPC. 512 keeps a wide margin under both.
 */
export const MAX_JSON_DEPTH = 512

/** The parsed text, or undefined when it is not JSON or nests deeper than MAX_JSON_DEPTH. */
export function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPENERS = new Set([0x5b, 0x7b]) // [ {
const CLOSERS = new Set([0x5d, 0x7d]) // ] }

/** One pass over the text, skipping strings: no recursion, so any depth is safe to measure. */
function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (OPENERS.has(c)) {
      if (++depth > maxDepth) return true
    } else if (CLOSERS.has(c)) depth--
  }
  return false
}
