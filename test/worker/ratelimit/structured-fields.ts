/**
 * A strict parser for RFC 9651 List fields (items with parameters, no inner lists), enough to check
 * that RateLimit-Policy and RateLimit are well-formed. It throws on anything the RFC's parser rejects.
 */
export type BareItem = string | number | boolean | { token: string } | { bytes: string }

export interface Item {
  value: BareItem
  params: Record<string, BareItem>
}

export function parseList(field: string): Item[] {
  const input = { text: field.trim(), at: 0 }
  const items: Item[] = []
  if (input.text === '') return items
  for (;;) {
    items.push(parseItem(input))
    skip(input, ' \t')
    if (input.at === input.text.length) return items
    expect(input, ',')
    skip(input, ' \t')
    if (input.at === input.text.length) fail(input, 'trailing comma')
  }
}

interface Input {
  text: string
  at: number
}

function parseItem(input: Input): Item {
  const value = parseBareItem(input)
  const params: Record<string, BareItem> = {}
  while (input.text[input.at] === ';') {
    input.at++
    skip(input, ' ')
    const key = match(input, /^[a-z*][a-z0-9_\-.*]*/, 'parameter key')
    if (input.text[input.at] === '=') {
      input.at++
      params[key] = parseBareItem(input)
    } else {
      params[key] = true
    }
  }
  return { value, params }
}

function parseBareItem(input: Input): BareItem {
  const c = input.text[input.at] ?? ''
  if (c === '"') return parseString(input)
  if (c === '?') return match(input, /^\?[01]/, 'boolean') === '?1'
  if (c === ':') return { bytes: match(input, /^:[A-Za-z0-9+/=]*:/, 'byte sequence').slice(1, -1) }
  if (/[-0-9]/.test(c)) {
    const n = match(input, /^-?\d+(\.\d+)?/, 'number')
    const [int = '', fraction] = n.replace('-', '').split('.')
    if (fraction === undefined ? int.length > 15 : int.length > 12 || fraction.length > 3) fail(input, 'shorter number')
    return Number(n)
  }
  if (/[A-Za-z*]/.test(c)) return { token: match(input, /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/, 'token') }
  return fail(input, 'bare item')
}

function parseString(input: Input): string {
  let out = ''
  input.at++
  for (;;) {
    const c = input.text[input.at++]
    if (c === undefined) fail(input, 'unterminated string')
    if (c === '"') return out
    if (c === '\\') {
      const next = input.text[input.at++]
      if (next !== '"' && next !== '\\') fail(input, 'bad escape')
      out += next
    } else if (c < ' ' || c > '~') {
      fail(input, 'non-ASCII character in string')
    } else {
      out += c
    }
  }
}

function match(input: Input, re: RegExp, what: string): string {
  const m = re.exec(input.text.slice(input.at))
  if (!m) fail(input, what)
  input.at += m[0].length
  return m[0]
}

function skip(input: Input, chars: string): void {
  while (chars.includes(input.text[input.at] ?? '\u0000')) input.at++
}

function expect(input: Input, char: string): void {
  if (input.text[input.at] !== char) fail(input, `"${char}"`)
  input.at++
}

function fail(input: Input, what: string): never {
  throw new SyntaxError(`structured field: expected ${what} at ${input.at} in ${JSON.stringify(input.text)}`)
}
