/**
 * /openapi.json under a real OpenAPI linter (Redocly's), with its recommended rules. The one exception
 * is `no-path-trailing-slash`: BlueKing's paths end with a slash, and callers use them as they are.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core'
import { expect, it } from 'vitest'
import { openApiDocument } from '../../src/http/openapi.ts'

const lint = async (rules: Record<string, 'off'> = {}) =>
  lintFromString({
    source: JSON.stringify(openApiDocument()),
    absoluteRef: 'openapi.json',
    config: await createConfig({ extends: ['recommended'], rules }),
  })

const describeProblem = (p: Awaited<ReturnType<typeof lint>>[number]) =>
  `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`

it('passes the recommended rules, warnings included', async () => {
  const problems = await lint({ 'no-path-trailing-slash': 'off' })
  expect(problems.map(describeProblem)).toEqual([])
})

it('breaks no other rule than the trailing slashes', async () => {
  const problems = await lint()
  expect(new Set(problems.map((p) => p.ruleId))).toEqual(new Set(['no-path-trailing-slash']))
  expect(problems).toHaveLength(Object.keys((openApiDocument() as { paths: object }).paths).length)
})
