/**
 * `npm run dev` as a new user runs it (scripts/dev.ts: the dev bootstrap, then wrangler dev with the
 * reference engine and its demo seed), on a given state directory and free ports, for tests over real HTTP.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')
const READY_WITHIN_MS = 90_000

export interface DevServer {
  /** e.g. http://127.0.0.1:41234 */
  base: string
  /** What it has printed so far, stdout and stderr together. */
  output(): string
  /** Stops wrangler dev and everything it started. */
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Starts `npm run dev` on `stateDir` (with `wranglerArgs` after `--`) and resolves once /healthz
 * answers; its output is in any error.
 */
export async function startDev(stateDir: string, wranglerArgs: string[] = []): Promise<DevServer> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  let output = ''
  const dev = spawn(
    process.execPath,
    ['scripts/dev.ts', '--state', stateDir, '--', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), ...wranglerArgs],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, detached: true },
  )
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk))
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk))
  const server: DevServer = {
    base,
    output: () => output,
    async stop() {
      if (dev.pid === undefined || dev.exitCode !== null) return
      const exited = new Promise((resolve) => dev.once('exit', resolve))
      process.kill(-dev.pid, 'SIGTERM')
      await exited
    },
  }
  const deadline = Date.now() + READY_WITHIN_MS
  while (Date.now() < deadline) {
    if (dev.exitCode !== null) throw new Error(`npm run dev exited with ${dev.exitCode}:\n${output}`)
    try {
      if ((await fetch(`${base}/healthz`)).ok) return server
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await server.stop()
  throw new Error(`npm run dev did not serve in time:\n${output}`)
}
