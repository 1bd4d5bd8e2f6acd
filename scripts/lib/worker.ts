/**
 * The Worker itself (gateway and reference engine), run from Node on the local persisted state, so the
 * admin CLI can reach the engine's named entrypoint `Engine`, which has no URL of its own. wrangler
 * bundles it exactly as for a deploy; Miniflare runs it with the bindings of wrangler.toml, the secrets
 * of `.dev.vars` and the persist root of `wrangler dev`, under the same Worker name (so the same
 * Durable Object storage).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Miniflare, convertV4MiniflareOptions } from 'miniflare'
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler'
import { readDevVars } from './devvars.ts'
import { UserError } from './errors.ts'
import type { LocalState } from './state.ts'
import { PROJECT_ROOT, WRANGLER_CONFIG } from './state.ts'

const execFileAsync = promisify(execFile)
const WRANGLER_BIN = join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js')

export interface ServiceFetcher {
  fetch(url: string, init?: RequestInit): Promise<Response>
}

export interface LocalWorker {
  /** A service binding of the Worker, e.g. ENGINE. */
  binding(name: string): Promise<ServiceFetcher>
  /** A plain variable of wrangler.toml. */
  variable(name: string): string | undefined
  close(): Promise<void>
}

export async function startLocalWorker(state: LocalState): Promise<LocalWorker> {
  const outDir = await mkdtemp(join(tmpdir(), 'sops-edge-bundle-'))
  try {
    await bundle(outDir)
    const name: string = unstable_readConfig({ config: WRANGLER_CONFIG }).name
    // The bundle is one ES module, so the rules for other module types do not apply; the admin CLI
    // never serves the console's static assets.
    const { modulesRules: _, assets: __, ...workerOptions } = unstable_getMiniflareWorkerOptions(WRANGLER_CONFIG).workerOptions
    const vars = workerOptions.bindings as Record<string, string>
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        ...workerOptions,
        name,
        modules: true,
        scriptPath: join(outDir, 'index.js'),
        modulesRoot: outDir,
        bindings: { ...vars, ...readDevVars(state.devVarsPath) },
        resourcePersistencePath: join(state.persistPath, 'v3'),
        cf: false,
      }),
    )
    await mf.ready
    const bindings = await mf.getBindings(name)
    return {
      async binding(bindingName) {
        const fetcher = bindings[bindingName] as ServiceFetcher | undefined
        if (!fetcher) throw new UserError(`the Worker has no binding ${bindingName}`)
        return fetcher
      },
      variable: (varName) => vars[varName],
      async close() {
        await mf.dispose()
        await rm(outDir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await rm(outDir, { recursive: true, force: true })
    throw err
  }
}

async function bundle(outDir: string): Promise<void> {
  try {
    await execFileAsync(
      process.execPath,
      [WRANGLER_BIN, 'deploy', '--dry-run', '--outdir', outDir, '--config', WRANGLER_CONFIG],
      { cwd: PROJECT_ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    )
  } catch (err) {
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`.trim()
    throw new UserError(`could not bundle the Worker (wrangler deploy --dry-run):\n${output || (err as Error).message}`)
  }
}
