/**
 * `npm run build` (also run by `npm install` through `prepare`, and before `npm run dev` and `npm test`):
 *   dist/client.js, dist/client.d.ts  the `sops-edge/client` package export: one ES module (hono/client
 *                                     included, so a browser loads it as is) and its self-contained types;
 *   dist/assets/                      the Worker's static assets: the operator console at /console/,
 *                                     built on that same export, and the `_headers` that give it its CSP.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { checkDeclarations, selfContainedDeclarations } from './lib/declarations.ts'
import { runCli } from './lib/errors.ts'
import { PROJECT_ROOT } from './lib/state.ts'

const DIST = join(PROJECT_ROOT, 'dist')
const ASSETS = join(DIST, 'assets')
const CONSOLE_SOURCE = join(PROJECT_ROOT, 'console')

/** What both bundles share: ES modules for today's browsers and Node 20. */
const BUNDLE = { bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', logLevel: 'error' } as const

async function buildClient() {
  await build({ ...BUNDLE, entryPoints: [join(PROJECT_ROOT, 'src/http/client.ts')], outfile: join(DIST, 'client.js') })
  const declarations = join(DIST, 'client.d.ts')
  await writeFile(declarations, selfContainedDeclarations(join(PROJECT_ROOT, 'src/http/client.ts'), join(PROJECT_ROOT, 'tsconfig.json')))
  checkDeclarations(declarations)
}

/** The console imports `sops-edge/client` by the package's own name: it resolves to the files just built. */
async function buildConsole() {
  const target = join(ASSETS, 'console')
  await rm(ASSETS, { recursive: true, force: true })
  await mkdir(target, { recursive: true })
  await build({ ...BUNDLE, entryPoints: [join(CONSOLE_SOURCE, 'main.ts')], outfile: join(target, 'console.js'), minify: true })
  for (const file of ['index.html', 'console.css', 'favicon.svg']) await cp(join(CONSOLE_SOURCE, file), join(target, file))
  await cp(join(CONSOLE_SOURCE, '_headers'), join(ASSETS, '_headers'))
}

await runCli(async () => {
  await buildClient()
  await buildConsole()
})
