/**
 * Where local development keeps its state: `.wrangler/dev.vars` (dev keys and pepper) and
 * `.wrangler/state` (what `wrangler dev` persists, KV and Durable Objects), beside the record of the
 * `npm run dev` serving them. All live under one directory, the project by default; `--state DIR` or
 * SOPS_EDGE_STATE moves them, so tests never touch a developer's own state. The secrets are not in
 * `.dev.vars` beside wrangler.toml: the workerd test pool reads that file whatever it is told, and
 * `npm test` after `npm run dev` would then run with the developer's secrets and demo seed.
 */
import { resolve } from 'node:path'

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..')
export const WRANGLER_CONFIG = resolve(PROJECT_ROOT, 'wrangler.toml')
/** The reference engine's own Worker, which local development binds to the gateway as ENGINE. */
export const ENGINE_CONFIG = resolve(PROJECT_ROOT, 'engine/wrangler.toml')
/** The OAuth authorization server's own Worker, bound to the gateway as AUTH in every deployment. */
export const AUTH_CONFIG = resolve(PROJECT_ROOT, 'auth/wrangler.toml')

export interface LocalState {
  dir: string
  devVarsPath: string
  /** Where `npm run dev` kept the secrets before: moved to devVarsPath on its next start. */
  legacyDevVarsPath: string
  /** wrangler's `--persist-to` directory. */
  persistPath: string
  /** Where the `npm run dev` serving this state records itself (see ./devserver.ts). */
  devServerPath: string
  /** The dev registry of that `npm run dev`, one per state, through which the CLI reaches its Worker. */
  devRegistryPath: string
  /** The two Workers' configurations as `npm run dev` serves them (./dev-config.ts). */
  devConfigDir: string
}

export function localState(dir = process.env.SOPS_EDGE_STATE || PROJECT_ROOT): LocalState {
  const root = resolve(dir)
  return {
    dir: root,
    devVarsPath: resolve(root, '.wrangler/dev.vars'),
    legacyDevVarsPath: resolve(root, '.dev.vars'),
    persistPath: resolve(root, '.wrangler/state'),
    devServerPath: resolve(root, '.wrangler/dev-server.json'),
    devRegistryPath: resolve(root, '.wrangler/dev-registry'),
    devConfigDir: resolve(root, '.wrangler/dev-config'),
  }
}
