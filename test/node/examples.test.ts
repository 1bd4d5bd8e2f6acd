/**
 * docs/demo.md cannot rot: every `curl` it shows runs, top to bottom, against a fresh `npm run dev`,
 * and must answer what the page shows after it. The page's conventions:
 * - a ```sh block with a curl command is followed by its answer: a ```json block (the body), or for
 *   `curl -i` an ```http block (status line, the headers that matter, a blank line, the body);
 * - a block may first look up an id known only at run time, `name=$(curl … | node -p …)`, and use it as
 *   `$name`: the answer is the last command's;
 * - `"…"` stands for a value that changes on every run; `"…": "…"` in an object for fields left out.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resources } from '../../src/resources/table.ts'
import { NODE_ACTIONS, TASK_ACTIONS } from '../../src/resources/schemas.ts'
import { type DevServer, startDev } from './dev-server.ts'

const DOC = join(import.meta.dirname, '../../docs/demo.md')
const DOCUMENTED_BASE = 'http://localhost:8787'
const VARIES = '…'

interface Example {
  /** The section the example is in, and its place there. */
  title: string
  command: string
  answer: { kind: 'json' | 'http'; text: string }
}

const markdown = await readFile(DOC, 'utf8')
const examples = parseExamples(markdown)

function parseExamples(text: string): Example[] {
  const found: Example[] = []
  let section = ''
  let pending: Omit<Example, 'answer'> | undefined
  let count = 0
  for (const match of text.matchAll(/^(#{2,3}) (.+)$|^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const [, hashes, heading, lang, body = ''] = match
    if (hashes) {
      section = heading ?? ''
      count = 0
      continue
    }
    if (pending) {
      if (lang !== 'json' && lang !== 'http') throw new Error(`docs/demo.md: "${pending.title}" has no answer block after it`)
      found.push({ ...pending, answer: { kind: lang, text: body } })
      pending = undefined
    } else if (lang === 'sh' && /^(\w+=\$\()?curl /.test(body.trimStart())) {
      pending = { title: `${section} #${++count}`, command: body.trim() }
    }
  }
  if (pending) throw new Error(`docs/demo.md: "${pending.title}" has no answer block after it`)
  return found
}

/** The documented answer as a matcher: "…" matches any value, `"…": "…"` lets an object have more fields. */
function matcher(expected: unknown): unknown {
  if (expected === VARIES) return expect.anything()
  if (Array.isArray(expected)) return expected.map(matcher)
  if (typeof expected !== 'object' || expected === null) return expected
  const { [VARIES]: elided, ...fields } = expected as Record<string, unknown>
  const each = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, matcher(value)]))
  return elided === VARIES ? expect.objectContaining(each) : each
}

const run = promisify(execFile)

async function curl(command: string, base: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', command.replaceAll(DOCUMENTED_BASE, base)], { encoding: 'utf8' })
  return stdout
}

/** `curl -i` output: the status line, the headers, the body. */
function splitHttp(text: string): { status: string; headers: Map<string, string>; body: string } {
  const [head = '', ...rest] = text.replaceAll('\r\n', '\n').split('\n\n')
  const [status = '', ...lines] = head.split('\n')
  const headers = new Map(lines.map((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const
  }))
  return { status: status.trim(), headers, body: rest.join('\n\n') }
}

function expectAnswer(actual: string, answer: Example['answer']): void {
  if (answer.kind === 'json') {
    expect(JSON.parse(actual)).toEqual(matcher(JSON.parse(answer.text)))
    return
  }
  const got = splitHttp(actual)
  const documented = splitHttp(answer.text)
  expect(got.status).toBe(documented.status)
  for (const [name, value] of documented.headers) {
    expect(got.headers.get(name), `header ${name}`).toEqual(value === VARIES ? expect.any(String) : value)
  }
  expect(JSON.parse(got.body)).toEqual(matcher(JSON.parse(documented.body)))
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes. */
const anchor = (heading: string) => heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')

describe('docs/demo.md', () => {
  it('shows a successful example of every resource and of every node and task command, and its links lead somewhere', () => {
    const succeeding = (resource: string) =>
      examples.filter((example) => example.command.includes(`/${resource}/`) && /"result": true/.test(example.answer.text))
    const actions = (resource: string) =>
      new Set(succeeding(resource).flatMap((example) => /"action": "(\w+)"/.exec(example.command)?.[1] ?? []))
    expect(resources.filter((resource) => succeeding(resource.name).length === 0).map((resource) => resource.name)).toEqual([])
    expect([...actions('operate_node')].sort()).toEqual([...NODE_ACTIONS].sort())
    expect([...actions('operate_task')].sort()).toEqual([...TASK_ACTIONS].sort())
    const headings = new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading = '']) => anchor(heading)))
    for (const [, target] of markdown.matchAll(/\]\(#([^)]+)\)/g)) expect(headings, `link #${target}`).toContain(target)
  })

  describe('every example, top to bottom on a fresh npm run dev', () => {
    let dev: DevServer | undefined
    let stateDir: string

    beforeAll(async () => {
      stateDir = await mkdtemp(join(tmpdir(), 'sops-edge-examples-'))
      dev = await startDev(stateDir)
    }, 120_000)

    afterAll(async () => {
      await dev?.stop()
      await rm(stateDir, { recursive: true, force: true })
    })

    it.each(examples.map((example) => [example.title, example] as const))('%s', async (_, example) => {
      expectAnswer(await curl(example.command, dev?.base ?? ''), example.answer)
    })
  })
})
