/**
 * A Worker bundled exactly as `wrangler deploy` would upload it, and the reference engine's Worker run
 * from Node on the local persisted state when no `npm run dev` serves it, so the admin CLI can reach
 * the engine's RPC (`resetDemo`), which has no URL. Miniflare runs it with the bindings of
 * engine/wrangler.toml, the secrets of `.dev.vars` and the persist root of `wrangler dev`, under the
 * same Worker name (so the same Durable Object storage). Never while a server runs on the same state:
 * two runtimes on one storage each schedule their own alarms and cache their own objects.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ENGINE_BINDING, workerConfig } from './config.ts'
import { readDevVars } from './devvars.ts'
import { UserError } from './errors.ts'
import type { LocalState } from './state.ts'
import { ENGINE_CONFIG, PROJECT_ROOT, WRANGLER_CONFIG } from './state.ts'

const execFileAsync = promisify(execFile)
const WRANGLER_BIN = join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js')

export interface ServiceFetcher {
  fetch(url: string, init?: RequestInit): Promise<Response>
}

/** A Worker as `wrangler deploy` would upload it: one ES module in a temporary directory. */
export interface WorkerBundle {
  dir: string
  dispose(): Promise<void>
}

export interface LocalEngine {
  /** The engine, bound as the gateway binds it. */
  binding: ServiceFetcher
  close(): Promise<void>
}

/** The Worker of `config` (the gateway's by default), bundled by `wrangler deploy --dry-run`. */
export async function bundleWorker(config = WRANGLER_CONFIG): Promise<WorkerBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'sops-edge-bundle-'))
  const dispose = () => rm(dir, { recursive: true, force: true })
  try {
    await execFileAsync(process.execPath, [WRANGLER_BIN, 'deploy', '--dry-run', '--outdir', dir, '--config', config], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    })
  } catch (err) {
    await dispose()
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`.trim()
    throw new UserError(`could not bundle the Worker of ${config} (wrangler deploy --dry-run):\n${output || (err as Error).message}`)
  }
  return { dir, dispose }
}

/** Runs the engine's bundle on the state, behind a Worker that binds it as the gateway does. */
export async function startLocalEngine(state: LocalState, bundle: WorkerBundle): Promise<LocalEngine> {
  // Imported on first use: each takes a second to load.
  const [{ Miniflare, convertV4MiniflareOptions }, { unstable_getMiniflareWorkerOptions }] = await Promise.all([import('miniflare'), import('wrangler')])
  const { engineName, compatibilityDate } = workerConfig()
  // The bundle is one ES module, so the rules for other module types do not apply.
  const { modulesRules: _, ...engineOptions } = unstable_getMiniflareWorkerOptions(ENGINE_CONFIG).workerOptions
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      resourcePersistencePath: join(state.persistPath, 'v3'),
      cf: false,
      workers: [
        {
          name: 'admin-cli',
          modules: true,
          script: 'export default { fetch: () => new Response(null, { status: 404 }) }',
          compatibilityDate,
          serviceBindings: { [ENGINE_BINDING]: engineName },
        },
        {
          ...engineOptions,
          name: engineName,
          modules: true,
          scriptPath: join(bundle.dir, 'index.js'),
          modulesRoot: bundle.dir,
          bindings: { ...(engineOptions.bindings as Record<string, string>), ...readDevVars(state.devVarsPath) },
        },
      ],
    }),
  )
  await mf.ready
  const bindings = await mf.getBindings('admin-cli')
  return { binding: bindings[ENGINE_BINDING] as ServiceFetcher, close: () => mf.dispose() }
}
