/**
 * The reference engine as Miniflare runs it beside the gateway in the tests: its own Worker, configured
 * by engine/wrangler.toml (as `wrangler dev` reads it) and bundled by esbuild into one module, since
 * an auxiliary Worker of the test pool is not compiled for it.
 */
import { buildSync } from 'esbuild'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'

export const ENGINE_CONFIG = 'engine/wrangler.toml'
const BUNDLE = 'node_modules/.cache/sops-edge/engine.js'

export function engineWorker(bindings: Record<string, string>) {
  const { compatibilityDate, compatibilityFlags, durableObjects } = unstable_getMiniflareWorkerOptions(ENGINE_CONFIG).workerOptions as {
    compatibilityDate: string
    compatibilityFlags: string[]
    durableObjects: Record<string, { className: string; useSQLite?: boolean }>
  }
  buildSync({ entryPoints: ['engine/src/index.ts'], outfile: BUNDLE, bundle: true, format: 'esm', external: ['cloudflare:*'], logLevel: 'error' })
  return {
    name: 'sops-engine',
    modules: true,
    scriptPath: BUNDLE,
    compatibilityDate,
    compatibilityFlags,
    durableObjects,
    bindings,
  }
}
