/** Runs the CLI as a user would, and the gateway (wrangler's dev server) on the same local state. */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { startDev } from './dev-server.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')
const run = promisify(execFile)

export const tempStateDir = () => mkdtempSync(join(tmpdir(), 'sops-edge-state-'))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** A script with exactly the given arguments; `env` adds to the environment. Never hangs a test run. */
export async function runScript(script: 'admin' | 'dev', args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const options = { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', ...env }, timeout: 120_000 }
    const { stdout, stderr } = await run(NODE, [join(ROOT, `scripts/${script}.ts`), ...args], options)
    return { code: 0, stdout, stderr }
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string }
    return { code, stdout, stderr }
  }
}

/** A script on the state of `stateDir`, given last as a user would append it. */
export const cli = (script: 'admin' | 'dev', stateDir: string, ...args: string[]) => runScript(script, [...args, '--state', stateDir])

/**
 * `npm run dev` on the state of `stateDir`, with the auth cache off so changes show at once. The CLI
 * then writes credentials through its admin endpoint, as it does for any running server: two runtimes
 * never write the state's files at the same time.
 */
export async function startGateway(stateDir: string) {
  const dev = await startDev(stateDir, ['--var', 'AUTH_CACHE_TTL_MS:0'])
  return {
    /** The server's own address. */
    base: dev.base,
    /** A call to the gateway: the URL's path and query, on the server's own address. */
    fetch: (url: string, init?: RequestInit) => {
      const { pathname, search } = new URL(url)
      return fetch(`${dev.base}${pathname}${search}`, init)
    },
    dispose: () => dev.stop(),
  }
}

/** X-Bkapi-Authorization of the demo app and token (CONTRACT §9). */
export const DEMO_AUTH = { 'X-Bkapi-Authorization': JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }) }
