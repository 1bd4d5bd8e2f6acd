/**
 * The Workers Miniflare runs beside the gateway in the tests, as `npm run dev` does: the reference
 * engine (bound as ENGINE, the default origin) and the OAuth authorization server (bound as AUTH), each
 * configured by its own wrangler.toml (as `wrangler dev` reads it) and bundled by esbuild into one
 * module, since an auxiliary Worker of the test pool is not compiled for it.
 */
import { buildSync } from 'esbuild'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'

export const ENGINE_CONFIG = 'engine/wrangler.toml'
export const AUTH_CONFIG = 'auth/wrangler.toml'

interface ConfiguredOptions {
  compatibilityDate: string
  compatibilityFlags: string[]
  durableObjects?: Record<string, { className: string; useSQLite?: boolean }>
  kvNamespaces?: Record<string, string>
}

/** What a Worker's configuration says Miniflare should run it with. */
const configured = (config: string) => unstable_getMiniflareWorkerOptions(config).workerOptions as unknown as ConfiguredOptions

/** The Worker of a configuration, named as the gateway's binding to it names it, with extra bindings. */
function auxiliaryWorker(config: string, name: string, bindings: Record<string, string>) {
  const bundle = `node_modules/.cache/sops-edge/${name}.js`
  const { compatibilityDate, compatibilityFlags, durableObjects, kvNamespaces } = configured(config)
  buildSync({
    entryPoints: [config.replace('wrangler.toml', 'src/index.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*'],
    logLevel: 'error',
  })
  return { name, modules: true, scriptPath: bundle, compatibilityDate, compatibilityFlags, durableObjects, kvNamespaces, bindings }
}

export const engineWorker = (bindings: Record<string, string>) => auxiliaryWorker(ENGINE_CONFIG, 'sops-engine', bindings)

export const authWorker = (bindings: Record<string, string>) => auxiliaryWorker(AUTH_CONFIG, 'sops-edge-auth', bindings)

/** The authorization server's store, which the gateway's tests bind too, to look at what it keeps. */
export const authKvNamespaces = () => configured(AUTH_CONFIG).kvNamespaces ?? {}
