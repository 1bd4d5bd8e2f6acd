import { describe, expect, it } from 'vitest'
import { evaluateCondition, ExpressionError, references, renderValue } from '../../src/expression.ts'

const vars: Record<string, unknown> = {
  '${x}': '2',
  '${n}': 3,
  '${name}': 'alice',
  '${flag}': true,
  '${off}': 'False',
  '${empty}': '',
  '${tags}': ['a', 'b'],
  '${_system.task_id}': 12,
}

describe('evaluateCondition', () => {
  const cases: [string, boolean][] = [
    // Rendered text compares as what it looks like: "2" is a number bare, a string in quotes.
    ['${x} > 1', true],
    ['${x} <= 1', false],
    ['${x} == 2', true],
    ['${x} == "2"', false],
    ['"${x}" == "2"', true],
    ["'${name}' == 'alice'", true],
    ['${name} == "alice"', true],
    ['${name} != "bob"', true],
    ['${n} >= 3.0', true],
    ['${n} < -1', false],
    ['1e3 == 1000', true],
    ['"b" > "a"', true],
    ['"${name}-${x}" == "alice-2"', true],
    ['${_system.task_id} == 12', true],
    // Booleans and None
    ['${flag}', true],
    ['${flag} == True', true],
    ['${off} == false', true],
    ['not ${off}', true],
    ['${empty}', false],
    ['None == null', true],
    // in / not in
    ['"li" in ${name}', true],
    ['"a" in ${tags}', true],
    ['"c" not in ${tags}', true],
    ['${x} in [1, 2, 3]', true],
    ['${x} in (1, 3)', false],
    ['${name} in ("alice", "bob")', true],
    ['"x" in []', false],
    // Logic and grouping
    ['${x} > 1 and ${name} == "alice"', true],
    ['${x} > 5 or ${name} == "alice"', true],
    ['${x} > 5 || ${n} == 3 && !${flag}', false],
    ['(${x} > 5 || ${n} == 3) && ${flag}', true],
    ['not (${x} > 1 and ${flag})', false],
    ['not not True', true],
    // `and`/`or` short-circuit as in Python: the right side is not evaluated.
    ['True or 1 < "a"', true],
    ['False and 1 < "a"', false],
    ['"it\\\'s" == "it\'s"', true],
  ]

  it.each(cases)('%s is %s', (expr, expected) => {
    expect(evaluateCondition(expr, vars)).toBe(expected)
  })

  const errors: [string, string][] = [
    ['${missing} == 1', 'unknown variable ${missing}'],
    ['"${missing}" == "1"', 'unknown variable ${missing}'],
    ['', 'syntax error at position 0 of "": unexpected end of expression'],
    ['${x} >', 'syntax error at position 6 of "${x} >": unexpected end of expression'],
    ['${x} > 1 1', 'syntax error at position 9 of "${x} > 1 1": unexpected "1"'],
    ['(${x} > 1', 'syntax error at position 9 of "(${x} > 1": expected ")", found end of expression'],
    ['${x} = 2', 'syntax error at position 5 of "${x} = 2": unexpected character "="'],
    ['"open', 'syntax error at position 0 of ""open": unterminated string'],
    ['1 == 1 == 1', 'syntax error at position 7 of "1 == 1 == 1": unexpected "=="'],
    ['${x} > "a"', 'cannot compare number 2 with string "a" using ">"'],
    ['1 in 5', '"in" needs a string or a list on its right, found number 5'],
    ['1 in "15"', '"in" needs a string on its left, found number 1'],
    // Nothing outside the grammar is ever looked up or run.
    ['constructor', 'syntax error at position 0 of "constructor": unexpected word "constructor"'],
    ['__proto__', 'syntax error at position 0 of "__proto__": unexpected word "__proto__"'],
    ['process.exit()', 'syntax error at position 0 of "process.exit()": unexpected word "process"'],
    ['${x}.constructor', 'syntax error at position 4 of "${x}.constructor": unexpected character "."'],
    ['${constructor} == 1', 'unknown variable ${constructor}'],
    ['${__proto__} == 1', 'unknown variable ${__proto__}'],
    ['${x}; globalThis.x = 1', 'syntax error at position 4 of "${x}; globalThis.x = 1": unexpected character ";"'],
    ['eval("1")', 'syntax error at position 0 of "eval("1")": unexpected word "eval"'],
    ['`1`', 'syntax error at position 0 of "`1`": unexpected character "`"'],
    ['(('.repeat(100) + '1' + '))'.repeat(100), 'nested too deeply'],
  ]

  it.each(errors)('%s fails with: %s', (expr, message) => {
    let thrown: unknown
    try {
      evaluateCondition(expr, vars)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ExpressionError)
    expect((thrown as Error).message).toContain(message)
  })

  it('does not let a variable value inject expression syntax', () => {
    const hostile = { '${v}': '1 or True', '${w}': '") or ("' }
    expect(evaluateCondition('${v} == "1 or True"', hostile)).toBe(true)
    expect(evaluateCondition('"${w}" == "x"', hostile)).toBe(false)
  })
})

describe('renderValue', () => {
  it('gives a lone reference the value with its type', () => {
    expect(renderValue('${n}', vars)).toBe(3)
    expect(renderValue('${tags}', vars)).toEqual(['a', 'b'])
    expect(renderValue('${flag}', vars)).toBe(true)
  })

  it('splices references into text as Python would print them', () => {
    expect(renderValue('${name} has ${n} (${flag}, ${x})', vars)).toBe('alice has 3 (True, 2)')
  })

  it('leaves unknown references as written', () => {
    expect(renderValue('${nope}', vars)).toBe('${nope}')
    expect(renderValue('hi ${nope} ${name}', vars)).toBe('hi ${nope} alice')
    expect(renderValue('${constructor}', vars)).toBe('${constructor}')
  })

  it('renders deeply, leaving other values alone', () => {
    expect(renderValue({ a: ['${x}', { b: '${name}!' }], c: 5, d: null, e: false }, vars)).toEqual({
      a: ['2', { b: 'alice!' }],
      c: 5,
      d: null,
      e: false,
    })
  })
})

describe('references', () => {
  it('finds each ${var} once, in order, through arrays and objects; other values have none', () => {
    const value = { a: 'v${version}-${_system.task_id}', b: ['${version}', { c: '${target} and ${x' }], n: 3, t: true, z: null }
    expect([...references(value)]).toEqual(['${version}', '${_system.task_id}', '${target}'])
    expect(references(42).size).toBe(0)
  })
})
