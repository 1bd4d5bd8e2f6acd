/** Runs the CLI as a user would, and the gateway (wrangler's dev server) on the same local state. */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { unstable_startWorker } from 'wrangler'

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

/** The gateway as `npm run dev` serves it, on the state of `stateDir`; the auth cache off so changes show at once. */
export async function startGateway(stateDir: string) {
  // Miniflare's asset parser logs "Parsed 1 valid header rule" at info level whatever dev.logLevel
  // says: quiet while the gateway starts, and only then (the CLI's children inherit the environment).
  const logLevel = process.env.WRANGLER_LOG
  process.env.WRANGLER_LOG = 'warn'
  try {
    const worker = await unstable_startWorker({
      config: join(ROOT, 'wrangler.toml'),
      envFiles: [join(stateDir, '.dev.vars')],
      bindings: {
        AUTH_CACHE_TTL_MS: { type: 'plain_text', value: '0' },
      },
      dev: { persist: join(stateDir, '.wrangler/state'), server: { port: 0 }, inspector: false, watch: false, logLevel: 'none' },
    })
    await worker.ready
    return worker
  } finally {
    if (logLevel === undefined) delete process.env.WRANGLER_LOG
    else process.env.WRANGLER_LOG = logLevel
  }
}

/** X-Bkapi-Authorization of the demo app and token (CONTRACT §9). */
export const DEMO_AUTH = { 'X-Bkapi-Authorization': JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' }) }
