/**
 * The Worker itself (gateway and reference engine), run from Node on the local persisted state when no
 * `npm run dev` serves it, so the admin CLI can reach the engine's named entrypoint `Engine`, which has
 * no URL of its own. wrangler bundles it exactly as for a deploy; Miniflare runs it with the bindings of
 * wrangler.toml, the secrets of `.dev.vars` and the persist root of `wrangler dev`, under the same
 * Worker name (so the same Durable Object storage). Never while a server runs on the same state: two
 * runtimes on one storage each schedule their own alarms and cache their own objects.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { workerConfig } from './config.ts'
import { readDevVars } from './devvars.ts'
import { UserError } from './errors.ts'
import type { LocalState } from './state.ts'
import { PROJECT_ROOT, WRANGLER_CONFIG } from './state.ts'

const execFileAsync = promisify(execFile)
const WRANGLER_BIN = join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js')

export interface ServiceFetcher {
  fetch(url: string, init?: RequestInit): Promise<Response>
}

/** The Worker as `wrangler deploy` would upload it: one ES module in a temporary directory. */
export interface WorkerBundle {
  dir: string
  dispose(): Promise<void>
}

export interface LocalWorker {
  /** A service binding of the Worker, e.g. ENGINE. */
  binding(name: string): Promise<ServiceFetcher>
  close(): Promise<void>
}

export async function bundleWorker(): Promise<WorkerBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'sops-edge-bundle-'))
  const dispose = () => rm(dir, { recursive: true, force: true })
  try {
    await execFileAsync(process.execPath, [WRANGLER_BIN, 'deploy', '--dry-run', '--outdir', dir, '--config', WRANGLER_CONFIG], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    })
  } catch (err) {
    await dispose()
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`.trim()
    throw new UserError(`could not bundle the Worker (wrangler deploy --dry-run):\n${output || (err as Error).message}`)
  }
  return { dir, dispose }
}

/** Runs the bundle on the state. */
export async function startLocalWorker(state: LocalState, bundle: WorkerBundle): Promise<LocalWorker> {
  // Imported on first use: each takes a second to load.
  const [{ Miniflare, convertV4MiniflareOptions }, { unstable_getMiniflareWorkerOptions }] = await Promise.all([import('miniflare'), import('wrangler')])
  const { name } = workerConfig()
  // The bundle is one ES module, so the rules for other module types do not apply; the admin CLI never
  // serves the console's static assets.
  const { modulesRules: _, assets: __, ...workerOptions } = unstable_getMiniflareWorkerOptions(WRANGLER_CONFIG).workerOptions
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...workerOptions,
      name,
      modules: true,
      scriptPath: join(bundle.dir, 'index.js'),
      modulesRoot: bundle.dir,
      bindings: { ...(workerOptions.bindings as Record<string, string>), ...readDevVars(state.devVarsPath) },
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
    close: () => mf.dispose(),
  }
}
