/** Files named on the command line, read with errors that name them. */
import { readFileSync } from 'node:fs'
import { UserError } from './errors.ts'

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`)
  }
}

export function readJson(file: string): unknown {
  const text = readText(file)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new UserError(`${file} is not JSON: ${(err as Error).message}`)
  }
}
