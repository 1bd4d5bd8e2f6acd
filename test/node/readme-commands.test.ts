/**
 * The README's two commands in any order, any number of times, stay green: `npm run dev`'s set-up
 * (the project's own state, as the README runs it) between runs of a part of the suite that touches
 * what dev leaves behind: the engine's demo seeding (ENGINE_DEMO_SEED="true" in .wrangler/dev.vars once
 * broke it), the gateway in workerd, and the CLI's input checks. Suite, dev, suite, dev, suite. `.ci/run`
 * runs the whole suite after dev's set-up on a clean clone (dev → suite); this test adds suite → dev →
 * suite, and dev twice.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEnv, promisify } from 'node:util'
import { expect, it } from 'vitest'
import { ROOT, runScript } from './admin-helpers.ts'

const run = promisify(execFile)

const PART = ['engine/test/engine/seed.test.ts', 'test/worker/surface.test.ts', 'test/node/admin-input.test.ts']

/** A vitest run of its own, as `npm test` runs it (the variables of the run around it left out). */
async function suitePart(): Promise<{ passed: number; failed: number }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'NODE_OPTIONS'))
  const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs')
  const report = join(mkdtempSync(join(tmpdir(), 'sops-edge-suite-')), 'report.json')
  const args = [vitest, 'run', '--reporter=json', `--outputFile=${report}`, ...PART]
  // A failing run exits non-zero: its report says what failed.
  await run(join(ROOT, 'node_modules/.bin/node'), args, { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }).catch(() => {})
  const result = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number }
  return { passed: result.numPassedTests, failed: result.numFailedTests }
}

const devSetup = async () => {
  const setup = await runScript('dev', ['--setup-only'])
  expect(setup.code, setup.stderr).toBe(0)
  // What the set-up leaves where the tests must not look: the demo on, the development secrets.
  expect(existsSync(join(ROOT, '.dev.vars'))).toBe(false)
  expect(parseEnv(readFileSync(join(ROOT, '.wrangler/dev.vars'), 'utf8')).ENGINE_DEMO_SEED).toBe('true')
}

it('suite, dev, suite, dev, suite: all green', { timeout: 900_000 }, async () => {
  const first = await suitePart()
  expect(first.failed).toBe(0)
  expect(first.passed).toBeGreaterThan(10)
  for (let round = 0; round < 2; round++) {
    await devSetup()
    expect(await suitePart()).toEqual(first)
  }
})
