/**
 * Command lines of the form `<group> <action> [arguments] [options]`, options anywhere: the command is
 * named by the first two positionals once every option the CLI knows has taken its value.
 */
import { parseArgs } from 'node:util'
import { UserError } from './errors.ts'

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>
export type Values = Record<string, string | boolean | undefined>

interface Parsed {
  values: Values
  positionals: string[]
}

/** Parses `argv` with the given options; unknown options are refused, with `usage` in the message. */
export function parseLine(argv: string[], options: OptionSpec, usage: string): Parsed {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true })
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${usage}`)
  }
}

/** The first two positionals, read with every option of every command known so their values are not taken for words. */
export function commandName(argv: string[], allOptions: OptionSpec): string {
  const { positionals } = parseArgs({ args: argv, options: allOptions, allowPositionals: true, strict: false })
  return positionals.slice(0, 2).join(' ')
}
