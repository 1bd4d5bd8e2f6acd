/** `npm run dev` (scripts/dev.ts) as a user starts it, on a test's own state directory and free ports. */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { ROOT } from './admin-helpers.ts'

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface DevServer {
  port: number
  /** http://127.0.0.1:<port> */
  base: string
  /** What it printed so far, stdout and stderr. */
  output(): string
  /** SIGTERM, as Ctrl-C would, to it and wrangler; resolves once it has exited. */
  stop(): Promise<void>
}

/** Starts it and resolves once /healthz answers; `wranglerArgs` go after `--`. */
export async function startDev(stateDir: string, wranglerArgs: string[] = []): Promise<DevServer> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  let output = ''
  const args = ['--state', stateDir, '--port', String(port), '--', '--ip', '127.0.0.1', '--inspector-port', String(await freePort()), ...wranglerArgs]
  const dev = spawn(process.execPath, ['scripts/dev.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    detached: true,
  })
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk))
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk))
  const server: DevServer = {
    port,
    base,
    output: () => output,
    async stop() {
      if (dev.pid && dev.exitCode === null) {
        const exited = new Promise((resolve) => dev.once('exit', resolve))
        process.kill(-dev.pid, 'SIGTERM')
        await exited
      }
    },
  }
  const deadline = Date.now() + 90_000
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
