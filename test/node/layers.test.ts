/**
 * Imports run one way, folder by folder: each folder of src/ imports only from the folders below it in
 * this list (and the entry, src/index.ts, from any). No cycle between files can then hide in a cycle
 * between folders. The README's module table lists the folders in the same order, top first.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../../src')

/** Lowest first. */
const LAYERS = ['lib', 'resources', 'credentials', 'oauth', 'ratelimit', 'idempotency', 'observability', 'origin', 'live', 'middleware', 'http']

const IMPORT = /\b(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g

const folderOf = (path: string) => relative(SRC, path).split('/')[0]!

it('every folder of src/ is a layer', () => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
  expect(folders.sort()).toEqual([...LAYERS].sort())
})

it('each folder imports only from the folders below it', () => {
  const upward: string[] = []
  for (const layer of LAYERS) {
    const below = new Set(LAYERS.slice(0, LAYERS.indexOf(layer)))
    for (const file of readdirSync(join(SRC, layer), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const path = join(SRC, layer, file)
      for (const [, specifier] of readFileSync(path, 'utf8').matchAll(IMPORT)) {
        const target = folderOf(resolve(dirname(path), specifier!))
        if (target !== layer && !below.has(target)) upward.push(`${relative(SRC, path)} → ${specifier}`)
      }
    }
  }
  expect(upward).toEqual([])
})
