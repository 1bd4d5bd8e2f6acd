/** Runs the CLI as a user would, and the gateway (wrangler's dev server) on the same local state. */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { unstable_startWorker } from 'wrangler'

const ROOT = resolve(import.meta.dirname, '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')
const run = promisify(execFile)

export const tempStateDir = () => mkdtempSync(join(tmpdir(), 'sops-edge-state-'))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function cli(script: 'admin' | 'dev', stateDir: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(NODE, [join(ROOT, `scripts/${script}.ts`), ...args, '--state', stateDir], { cwd: ROOT })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string }
    return { code, stdout, stderr }
  }
}

/** The gateway as `npm run dev` serves it, on the state of `stateDir`; the auth cache off so changes show at once. */
export async function startGateway(stateDir: string) {
  // Miniflare's asset parser logs at info level whatever dev.logLevel says ("Parsed 1 valid header rule").
  process.env.WRANGLER_LOG ??= 'warn'
  const worker = await unstable_startWorker({
    config: join(ROOT, 'wrangler.toml'),
    envFiles: [join(stateDir, '.dev.vars')],
    bindings: {
      AUTH_CACHE_TTL_MS: { type: 'plain_text', value: '0' },
      AUTH_NEGATIVE_CACHE_TTL_MS: { type: 'plain_text', value: '0' },
    },
    dev: { persist: join(stateDir, '.wrangler/state'), server: { port: 0 }, inspector: false, watch: false, logLevel: 'none' },
  })
  await worker.ready
  return worker
}
