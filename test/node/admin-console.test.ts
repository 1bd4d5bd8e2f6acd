/** The CLI's output discipline, on its own: console output of any library goes to stderr, plain when not a terminal. */
import { expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from './admin-helpers.ts'

const script = `
import { consoleToStderr, printResult } from './scripts/lib/console.ts'
consoleToStderr()
console.log('\\x1b[33mUsing secrets defined in .dev.vars\\x1b[0m')
console.warn('\\x1b[31m[WARNING]\\x1b[0m', { update: 'available' })
printResult({ text: 'the result', json: { result: 1 } }, process.argv.includes('--json'))
`

const run = (...args: string[]) =>
  promisify(execFile)(join(ROOT, 'node_modules/.bin/node'), ['--input-type=module', '-e', script, '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '1' },
  })

it('stdout holds the result alone; notices reach stderr without colour codes', async () => {
  const { stdout, stderr } = await run()
  expect(stdout).toBe('the result\n')
  expect(stderr).toBe("Using secrets defined in .dev.vars\n[WARNING] { update: 'available' }\n")
})

it('--json prints one JSON document', async () => {
  expect(JSON.parse((await run('--json')).stdout)).toEqual({ result: 1 })
})
