/**
 * Caller JSON read exactly as sent, or refused (README, Security). The runtime's JSON.parse reads it,
 * fast at any size (a megabyte string costs a millisecond, where a parser written in JavaScript takes a
 * hundred). One pass of a token regex over the text, which JSON.parse has just proved valid, then finds
 * what JSON.parse hides:
 * - a key given twice in one object, refused: two readers of that body may each see another value;
 * - a number a double would change (12345678901234567891, 0.10000000000000000001, 1.0, -0). Only then is
 *   the text read again, with a reviver that keeps such a number as its own digits (JSON.rawJSON, which
 *   JSON.stringify writes back verbatim), so SOPS gets the very number the caller sent. Forwarding beats
 *   refusing here: `data` and `inputs` are the task's own values, which the gateway has no business
 *   narrowing to what JavaScript can hold.
 */

/** A number kept as the text it was sent as (the runtime's JSON.rawJSON; TypeScript's lib lacks it). */
export interface RawNumber {
  readonly rawJSON: string
}

interface SourceText {
  readonly source: string
}

const json = JSON as JSON & {
  rawJSON(text: string): RawNumber
  isRawJSON(value: unknown): value is RawNumber
  parse(text: string, reviver: (key: string, value: unknown, context: SourceText) => unknown): unknown
}

export const isRawNumber = (value: unknown): value is RawNumber => json.isRawJSON(value)

/** The key a body gave twice. */
export class DuplicateKey extends Error {
  readonly key: string
  constructor(key: string) {
    super('a key is given twice')
    this.key = key
  }
}

/** In valid JSON: a string, a bracket or colon, or a number (true, false and null are passed over). */
const TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\]:]|-?\d[\d.eE+-]*/g

/** Parses JSON as sent; throws DuplicateKey, or a SyntaxError for text that is not JSON. */
export function parseExactJson(text: string): unknown {
  const value: unknown = JSON.parse(text)
  return hasInexactNumber(text) ? json.parse(text, keepDigits) : value
}

const keepDigits = (_key: string, value: unknown, { source }: SourceText) =>
  typeof value === 'number' && String(value) !== source ? json.rawJSON(source) : value

/** Whether a number of the text would change as a double; throws DuplicateKey on a key given twice. */
function hasInexactNumber(text: string): boolean {
  // The keys of each object open around the token, null for an array.
  const open: (Set<string> | null)[] = []
  let inexact = false
  let previous = ''
  for (const token of text.match(TOKEN) ?? []) {
    const first = token[0]
    if (first === '{') open.push(new Set())
    else if (first === '[') open.push(null)
    else if (first === '}' || first === ']') open.pop()
    else if (first === ':') {
      // In valid JSON a colon follows a key, in an object; a key without escapes is its text between the quotes.
      const key = previous.includes('\\') ? (JSON.parse(previous) as string) : previous.slice(1, -1)
      const keys = open.at(-1) as Set<string>
      if (keys.has(key)) throw new DuplicateKey(key)
      keys.add(key)
    } else if (first !== '"' && String(Number(token)) !== token) inexact = true
    previous = token
  }
  return inexact
}
