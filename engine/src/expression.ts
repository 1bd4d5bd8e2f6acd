/**
 * Gateway conditions and `${var}` rendering, as SOPS does them: SOPS renders `${x}` into the condition's
 * text (Mako) and then evaluates the text as a boolean rule. This is a small tokenizer and recursive-descent
 * parser over a fixed grammar; nothing is ever executed, so any other word is a syntax error.
 *
 *   or   := and (("or" | "||") and)*
 *   and  := not (("and" | "&&") not)*
 *   not  := ("not" | "!") not | cmp
 *   cmp  := atom [("==" | "!=" | ">" | ">=" | "<" | "<=" | "in" | "not in") atom]
 *   atom := number | string | true | false | True | False | None | null | ${var} | "(" or ")" | list
 *   list := "[" [atom ("," atom)*] "]" | "(" atom "," [atom ("," atom)*] ")"
 *
 * Variables are keyed by constant key (`"${x}"`). A bare `${x}` takes the value its rendered text would
 * denote ("2" is the number 2, "True" is true); inside a string literal it is spliced in as text.
 */
export class ExpressionError extends Error {
  override name = 'ExpressionError'
}

type Value = string | number | boolean | null | Value[] | { [key: string]: Value }

/** A `${name}` reference; names may contain dots, as SOPS system constants do (`${_system.task_id}`). */
const REFERENCE = /\$\{([A-Za-z_][\w.]*)\}/g
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][\w.]*)\}$/
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/
/** Bounds recursion so a hostile expression gets an error, not a stack overflow. */
const MAX_NESTING = 64

/** Deep `${var}` substitution: a string that is exactly one known reference takes the value with its type. */
export function renderValue(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderString(value, vars)
  if (Array.isArray(value)) return value.map((item) => renderValue(item, vars))
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, vars)]))
  }
  return value
}

/** The `${var}` references in a value (deep), each once, in order of appearance. */
export function references(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const [ref] of value.matchAll(REFERENCE)) found.add(ref)
  else if (Array.isArray(value)) for (const item of value) references(item, found)
  else if (isPlainObject(value)) for (const item of Object.values(value)) references(item, found)
  return found
}

export function evaluateCondition(expr: string, vars: Record<string, unknown>): boolean {
  const parser = new Parser(tokenize(expr, vars), expr)
  return truthy(evaluate(parser.parse()))
}

function renderString(text: string, vars: Record<string, unknown>): unknown {
  const whole = WHOLE_REFERENCE.exec(text)
  if (whole && Object.hasOwn(vars, text)) return vars[text]
  // Unknown references stay as written, as Mako leaves them.
  return text.replace(REFERENCE, (ref: string) => (Object.hasOwn(vars, ref) ? asText(vars[ref]) : ref))
}

/** The text Python's str() gives a value, which is what Mako splices into a template. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'number') return String(value)
  return JSON.stringify(value)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
}

// ---------------------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { kind: 'value'; value: Value; at: number }
  | { kind: 'op'; op: string; at: number }
  | { kind: 'end'; at: number }

const OPERATORS = ['==', '!=', '>=', '<=', '&&', '||', '>', '<', '!', '(', ')', '[', ']', ',']
const WORD_OPERATORS = new Set(['and', 'or', 'not', 'in'])
const WORD_VALUES = new Map<string, Value>([
  ['true', true],
  ['True', true],
  ['false', false],
  ['False', false],
  ['None', null],
  ['null', null],
])

function tokenize(expr: string, vars: Record<string, unknown>): Token[] {
  const tokens: Token[] = []
  let at = 0
  while (at < expr.length) {
    const rest = expr.slice(at)
    const space = /^\s+/.exec(rest)
    if (space) {
      at += space[0].length
      continue
    }
    const ref = /^\$\{([A-Za-z_][\w.]*)\}/.exec(rest)
    if (ref) {
      tokens.push({ kind: 'value', value: referenceValue(ref[0], vars), at })
      at += ref[0].length
      continue
    }
    const quote = rest[0]
    if (quote === '"' || quote === "'") {
      const { text, length } = readString(expr, at, quote, vars)
      tokens.push({ kind: 'value', value: text, at })
      at += length
      continue
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest)
    if (number) {
      tokens.push({ kind: 'value', value: Number(number[0]), at })
      at += number[0].length
      continue
    }
    const word = /^[A-Za-z_]\w*/.exec(rest)
    if (word) {
      const name = word[0]
      if (WORD_OPERATORS.has(name)) tokens.push({ kind: 'op', op: name, at })
      else if (WORD_VALUES.has(name)) tokens.push({ kind: 'value', value: WORD_VALUES.get(name) ?? null, at })
      else throw syntaxError(expr, at, `unexpected word "${name}"`)
      at += name.length
      continue
    }
    const op = OPERATORS.find((candidate) => rest.startsWith(candidate))
    if (!op) throw syntaxError(expr, at, `unexpected character "${rest[0]}"`)
    tokens.push({ kind: 'op', op, at })
    at += op.length
  }
  tokens.push({ kind: 'end', at })
  return tokens
}

/** Reads a quoted literal starting at `start`; `${var}` inside it is spliced in as text. */
function readString(expr: string, start: number, quote: string, vars: Record<string, unknown>) {
  let text = ''
  let at = start + 1
  while (at < expr.length) {
    const char = expr[at]
    if (char === quote) return { text, length: at + 1 - start }
    if (char === '\\' && at + 1 < expr.length) {
      text += expr[at + 1]
      at += 2
      continue
    }
    const ref = /^\$\{([A-Za-z_][\w.]*)\}/.exec(expr.slice(at))
    if (ref) {
      text += asText(lookup(ref[0], vars))
      at += ref[0].length
      continue
    }
    text += char
    at += 1
  }
  throw syntaxError(expr, start, 'unterminated string')
}

function lookup(ref: string, vars: Record<string, unknown>): unknown {
  if (!Object.hasOwn(vars, ref)) throw new ExpressionError(`unknown variable ${ref}`)
  return vars[ref]
}

/** The value of a bare reference: what its rendered text would denote in the expression. */
function referenceValue(ref: string, vars: Record<string, unknown>): Value {
  const value = lookup(ref, vars)
  if (typeof value === 'string') {
    const text = value.trim()
    if (NUMBER.test(text)) return Number(text)
    if (text === 'True' || text === 'true') return true
    if (text === 'False' || text === 'false') return false
    return value
  }
  if (value === undefined) return null
  return toValue(value)
}

function toValue(value: unknown): Value {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value
  }
  if (Array.isArray(value)) return value.map(toValue)
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toValue(v)]))
  return asText(value)
}

function syntaxError(expr: string, at: number, what: string): ExpressionError {
  return new ExpressionError(`syntax error at position ${at} of "${expr}": ${what}`)
}

// ---------------------------------------------------------------------------------------------------------
// Parsing into a small tree, then evaluation (so `and`/`or` short-circuit as in Python)

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'list'; items: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'logic'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; op: string; left: Node; right: Node }

const COMPARISONS = new Set(['==', '!=', '>', '>=', '<', '<=', 'in'])

class Parser {
  private index = 0
  private depth = 0
  private readonly tokens: Token[]
  private readonly expr: string

  constructor(tokens: Token[], expr: string) {
    this.tokens = tokens
    this.expr = expr
  }

  parse(): Node {
    const node = this.or()
    const token = this.peek()
    if (token.kind !== 'end') throw this.unexpected(token)
    return node
  }

  private or(): Node {
    let left = this.and()
    while (this.accept('or') || this.accept('||')) left = { kind: 'logic', op: 'or', left, right: this.and() }
    return left
  }

  private and(): Node {
    let left = this.not()
    while (this.accept('and') || this.accept('&&')) left = { kind: 'logic', op: 'and', left, right: this.not() }
    return left
  }

  private not(): Node {
    if (this.accept('not') || this.accept('!')) return this.nested(() => ({ kind: 'not', operand: this.not() }))
    return this.comparison()
  }

  private comparison(): Node {
    const left = this.atom()
    if (this.isOp('not') && this.isOpAt(1, 'in')) {
      this.index += 2
      return { kind: 'not', operand: { kind: 'compare', op: 'in', left, right: this.atom() } }
    }
    const token = this.peek()
    if (token.kind === 'op' && COMPARISONS.has(token.op)) {
      this.index += 1
      return { kind: 'compare', op: token.op, left, right: this.atom() }
    }
    return left
  }

  private atom(): Node {
    const token = this.next()
    if (token.kind === 'value') return { kind: 'literal', value: token.value }
    if (token.kind === 'op' && token.op === '[') return this.nested(() => this.listUntil(']'))
    if (token.kind === 'op' && token.op === '(') {
      return this.nested(() => {
        const inner = this.or()
        if (!this.accept(',')) {
          this.expect(')')
          return inner
        }
        // A Python tuple: `(a, b)`.
        const rest = this.isOp(')') ? [] : this.listItems()
        this.expect(')')
        return { kind: 'list', items: [inner, ...rest] }
      })
    }
    throw this.unexpected(token)
  }

  private listUntil(close: string): Node {
    const items = this.isOp(close) ? [] : this.listItems()
    this.expect(close)
    return { kind: 'list', items }
  }

  private listItems(): Node[] {
    const items = [this.atom()]
    while (this.accept(',')) items.push(this.atom())
    return items
  }

  private nested(parse: () => Node): Node {
    this.depth += 1
    if (this.depth > MAX_NESTING) throw syntaxError(this.expr, this.peek().at, 'nested too deeply')
    const node = parse()
    this.depth -= 1
    return node
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token
  }

  private next(): Token {
    const token = this.peek()
    if (token.kind !== 'end') this.index += 1
    return token
  }

  private isOp(op: string): boolean {
    return this.isOpAt(0, op)
  }

  private isOpAt(offset: number, op: string): boolean {
    const token = this.peek(offset)
    return token.kind === 'op' && token.op === op
  }

  private accept(op: string): boolean {
    if (!this.isOp(op)) return false
    this.index += 1
    return true
  }

  private expect(op: string): void {
    if (!this.accept(op)) throw this.unexpected(this.peek(), `expected "${op}"`)
  }

  private unexpected(token: Token, expected?: string): ExpressionError {
    const found = token.kind === 'end' ? 'end of expression' : `"${this.expr.slice(token.at).split(/\s/)[0]}"`
    return syntaxError(this.expr, token.at, expected ? `${expected}, found ${found}` : `unexpected ${found}`)
  }
}

function evaluate(node: Node): Value {
  switch (node.kind) {
    case 'literal':
      return node.value
    case 'list':
      return node.items.map(evaluate)
    case 'not':
      return !truthy(evaluate(node.operand))
    case 'logic': {
      const left = truthy(evaluate(node.left))
      if (node.op === 'and') return left && truthy(evaluate(node.right))
      return left || truthy(evaluate(node.right))
    }
    case 'compare':
      return compare(node.op, evaluate(node.left), evaluate(node.right))
  }
}

function compare(op: string, left: Value, right: Value): boolean {
  switch (op) {
    case '==':
      return equal(left, right)
    case '!=':
      return !equal(left, right)
    case 'in':
      return contains(right, left)
    default:
      return order(op, left, right)
  }
}

function order(op: string, left: Value, right: Value): boolean {
  const comparable =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string')
  if (!comparable) {
    throw new ExpressionError(`cannot compare ${describe(left)} with ${describe(right)} using "${op}"`)
  }
  if (op === '>') return left > right
  if (op === '>=') return left >= right
  if (op === '<') return left < right
  return left <= right
}

function contains(container: Value, item: Value): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new ExpressionError(`"in" needs a string on its left, found ${describe(item)}`)
    return container.includes(item)
  }
  if (Array.isArray(container)) return container.some((element) => equal(element, item))
  if (container !== null && typeof container === 'object') {
    return typeof item === 'string' && Object.hasOwn(container, item)
  }
  throw new ExpressionError(`"in" needs a string or a list on its right, found ${describe(container)}`)
}

function equal(left: Value, right: Value): boolean {
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, i) => equal(item, right[i] ?? null))
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = Object.keys(left)
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && equal(left[key] ?? null, right[key] ?? null))
    )
  }
  return left === right
}

/** Python truthiness: empty strings, 0, None, empty lists and dicts are false. */
function truthy(value: Value): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0
  return Boolean(value)
}

function describe(value: Value): string {
  if (value === null) return 'None'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a dict'
  return `${typeof value} ${JSON.stringify(value)}`
}
