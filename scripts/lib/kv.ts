/**
 * The CREDENTIALS namespace, seen from Node. Locally through Miniflare on the very storage `wrangler dev`
 * persists (same persist root, same namespace id from wrangler.toml); remotely through `wrangler kv key`.
 */
import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { CREDENTIALS_BINDING, workerConfig } from './config.ts'
import { UserError } from './errors.ts'
import { bindingsOnly } from './miniflare.ts'
import { PROJECT_ROOT, WRANGLER_CONFIG } from './state.ts'
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
    async list(prefix) {
      const names: string[] = []
      let cursor: string | undefined
      do {
        const page = await kv.list({ prefix, cursor })
        names.push(...page.keys.map((k) => k.name))
        cursor = page.list_complete ? undefined : page.cursor
      } while (cursor)
      return names
    },
    close: () => mf.dispose(),
  }
}

const execFileAsync = promisify(execFile)
const WRANGLER_BIN = join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js')

/**
 * KV through the wrangler CLI: `--remote` for the deployed namespace (wrangler's own login), or
 * `--local --persist-to DIR`, which runs the very same code path against local state.
 */
export function wranglerKv(location: string[]): KvStore {
  const run = async (args: string[]) => {
    try {
      const { stdout } = await execFileAsync(
        process.execPath,
        [WRANGLER_BIN, 'kv', 'key', ...args, '--binding', CREDENTIALS_BINDING, '--config', WRANGLER_CONFIG, ...location],
        { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
      )
      return stdout
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim()
      throw new UserError(`wrangler kv key ${args[0]} failed: ${stderr || (err as Error).message}`)
    }
  }
  const list = async (prefix: string) => {
    const listed = JSON.parse(await run(['list', '--prefix', prefix])) as { name: string }[]
    return listed.map((k) => k.name)
  }
  return {
    // `kv key get` prints "Value not found" for a missing key, indistinguishable from a value: ask the list.
    async get(key) {
      if (!(await list(key)).includes(key)) return null
      return (await run(['get', key, '--text'])).replace(/\n$/, '') // wrangler appends a newline
    },
    async put(key, value) {
      await run(['put', key, value])
    },
    async delete(key) {
      await run(['delete', key])
    },
    list,
    close: async () => {},
  }
}
