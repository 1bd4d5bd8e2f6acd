/**
 * The credential records, seen from Node: through a gateway's admin endpoint (`/_admin/credentials`),
 * which writes KV and the credential feed, so every isolate hears of a change within 10 s; or, when no
 * gateway serves the state, straight in the local KV that `wrangler dev` persists (same persist root,
 * same namespace id from wrangler.toml) — with no server running, no isolate has anything cached.
 */
import { join, resolve } from 'node:path'
import { listKeyNames } from '../../src/credentials/list.ts'
import { CREDENTIALS_BINDING, workerConfig } from './config.ts'
import { UserError } from './errors.ts'
import { bindingsOnly } from './miniflare.ts'
import type { SecretHasher } from './apps.ts'
import type { KvStore } from './store.ts'

/** KV in the local state under `persistPath` (wrangler's `--persist-to`, default `.wrangler/state`). */
export async function openLocalKv(persistPath: string): Promise<KvStore> {
  const mf = await bindingsOnly({
    kvNamespaces: { [CREDENTIALS_BINDING]: workerConfig().credentialsNamespaceId },
    // wrangler keeps its resources under `<persist>/v3` (its getDefaultPersistRoot).
    resourcePersistencePath: join(resolve(persistPath), 'v3'),
  })
  const kv = await mf.getKVNamespace(CREDENTIALS_BINDING)
  return {
    get: (key) => kv.get(key),
    put: (key, value) => kv.put(key, value),
    delete: (key) => kv.delete(key),
    list: (prefix) => listKeyNames(kv, prefix),
    close: () => mf.dispose(),
  }
}

/** A call to the admin endpoint of the gateway at `baseUrl`, with its bearer `token`: the answer's data. */
function adminCall(baseUrl: string, token: string) {
  return async function call(method: string, path: string, body?: string): Promise<unknown> {
    let res: Response
    try {
      res = await fetch(new URL(`_admin/${path}`, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`), {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      })
    } catch (err) {
      throw new UserError(`cannot reach the gateway at ${baseUrl}: ${(err as Error).message}`)
    }
    const answer = (await res.json().catch(() => null)) as { data?: unknown; message?: string } | null
    if (res.status === 404) throw new UserError(`the gateway at ${baseUrl} has no admin endpoint: set its ADMIN_TOKEN secret`)
    if (!res.ok) throw new UserError(`the gateway's admin endpoint refused ${method}: HTTP ${res.status} ${answer?.message ?? ''}`.trim())
    return answer?.data ?? null
  }
}

/**
 * Secrets hashed by the gateway at `baseUrl` with its own pepper: the secret goes to it over TLS with
 * the admin token, so an operator never holds the pepper.
 */
export function adminSecretHasher(baseUrl: string, token: string): SecretHasher {
  const call = adminCall(baseUrl, token)
  return async (bk_app_code, bk_app_secret) => {
    const answer = (await call('POST', 'secret-hash', JSON.stringify({ bk_app_code, bk_app_secret }))) as { hash: string }
    return answer.hash
  }
}

/** The records through the admin endpoint of the gateway at `baseUrl`, with its bearer `token`. */
export function adminKv(baseUrl: string, token: string): KvStore {
  const call = adminCall(baseUrl, token)
  const key = (name: string) => `credentials/${encodeURIComponent(name)}`
  return {
    async get(name) {
      const record = await call('GET', key(name))
      return record === null ? null : JSON.stringify(record)
    },
    async put(name, value) {
      await call('PUT', key(name), value)
    },
    async delete(name) {
      await call('DELETE', key(name))
    },
    list: async (prefix) => (await call('GET', `credentials?prefix=${encodeURIComponent(prefix)}`)) as string[],
    close: async () => {},
  }
}
