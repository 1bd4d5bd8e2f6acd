/**
 * One source of truth per resource: what a new SOPS resource needs on the gateway's side is its entry in
 * src/resources/table.ts and its schema in src/resources/schemas.ts. Every list of resources elsewhere
 * derives from the table, and no other gateway file names a resource (the engine serves them, so it
 * names them too).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APP_COMMANDS } from '../../scripts/lib/commands/apps.ts'
import { appRecordSchema } from '../../src/credentials/records.ts'
import { accessLineSchema } from '../../src/observability/line.ts'
import { openApiDocument } from '../../src/http/openapi.ts'
import { ESB_PREFIX, GATEWAY_PREFIX, RESOURCE_NAMES, resources } from '../../src/resources/table.ts'

const names = resources.map((r) => r.name)
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is walked as plain JSON
const doc = openApiDocument() as any

describe('the resource table', () => {
  it('names each resource once', () => {
    expect(new Set(names).size).toBe(names.length)
    expect([...RESOURCE_NAMES]).toEqual(names)
  })

  it('is what credential records grant and the access log names', () => {
    const grants = appRecordSchema.shape.permissions.shape.resources.options[1].element.options
    expect(grants).toEqual(names)
    expect(accessLineSchema.shape.resource.unwrap().options).toEqual(names)
  })

  it("is the CLI's help", () => {
    for (const command of ['app create', 'app grant', 'app revoke']) {
      expect(APP_COMMANDS[command]!.usage).toContain(`--resources ${names.join(',')}|*`)
    }
  })

  it('is /openapi.json: a tag and both URL forms per resource', () => {
    expect(doc.tags.map((t: { name: string }) => t.name)).toEqual(names)
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p as object).map((o) => (o as { operationId: string }).operationId))
    // and the status stream (src/live/watch-resource.ts), served as get_task_status
    expect(operations.sort()).toEqual([...names, 'watch_task_status'].flatMap((n) => [`${n}_esb`, `${n}_gateway`]).sort())
  })

  it('derives both URL forms, the path ids and the forwarded fields from an entry', () => {
    for (const r of resources) {
      expect(r.esbPath).toBe(`${ESB_PREFIX}${r.name}`)
      expect(r.gatewayPath.startsWith(`${GATEWAY_PREFIX}${r.name}`)).toBe(true)
      const fields = Object.keys(r.schema.shape)
      expect(r.pathParams.every((id) => fields.includes(id)), r.name).toBe(true)
      expect([...r.forward, ...r.pathParams].sort()).toEqual(fields.sort())
    }
  })
})

describe('a new resource', () => {
  const root = join(import.meta.dirname, '../..')
  const gatewayFiles = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return gatewayFiles(path)
      return /\.ts$/.test(entry.name) ? [path] : []
    })

  it('is its table entry and its schema: no other gateway file, script or client names one', () => {
    const places = new Set<string>()
    for (const file of [...gatewayFiles('src'), ...gatewayFiles('scripts')]) {
      // Code, not the comments that explain it.
      const code = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
      for (const name of names) if (new RegExp(`['"\`/]${name}['"\`/]`).test(code)) places.add(relative(root, join(root, file)))
    }
    // Callers, not definitions: the bench workers load the gateway with operate_node calls, and the CLI's
    // task commands call the reference engine's SOPS API as any SOPS client would.
    const callers = (file: string) => file.startsWith('scripts/bench/') || file === 'scripts/lib/tasks.ts'
    expect([...places].filter((file) => !callers(file)).sort()).toEqual(['src/resources/table.ts'])
  })
})
