/**
 * `npm run bench:profile [variant]`: where the gateway's CPU goes. Runs the seed request's load (as
 * `npm run bench` does) against one Worker on workerd with V8's sampling profiler attached through
 * workerd's inspector, then prints the functions with the most self time, the same by source module
 * (esbuild marks each module's start in the bundle), and inclusive time. Variants: `gateway`
 * (default), `checks-floor`, `floor`, `bare`. Figures only, for finding what to make cheaper.
 */
import { BENCH_RATE_LIMITS, type BenchWorker, benchWorker, checksFloorWorker, gatewayWorker, originWorker, startCluster } from './bench/cluster.ts'
import { LOAD, runLoad } from './bench/load.ts'

const variant = process.argv[2] ?? 'gateway'
const INSPECTOR_PORT = 9329

const toOrigin = { serviceBindings: { ORIGIN: 'origin' } }
const VARIANTS: Record<string, () => Promise<BenchWorker>> = {
  gateway: () => gatewayWorker('gateway'),
  'checks-floor': () => checksFloorWorker('checks-floor'),
  floor: () => benchWorker('floor', 'floor.ts', toOrigin),
  bare: () => benchWorker('bare', 'bare-proxy.ts', toOrigin),
}
const make = VARIANTS[variant]
if (!make) throw new Error(`unknown variant ${variant}: one of ${Object.keys(VARIANTS).join(', ')}`)
const worker = await make()
// The checks floor takes its limiter objects from the Worker named `gateway`.
const cluster = await startCluster([originWorker(), worker, ...(variant === 'checks-floor' ? [await gatewayWorker('gateway')] : [])], {
  inspectorPort: INSPECTOR_PORT,
})
try {
  if (variant === 'gateway') await cluster.seedDemo('gateway', BENCH_RATE_LIMITS)
  const target = await cluster.seedRequest(worker.name)
  const inspector = await connect(worker.name)
  await inspector.send('Profiler.enable')
  await inspector.send('Profiler.setSamplingInterval', { interval: 100 })
  let started: Promise<unknown> = Promise.resolve()
  const result = await runLoad(
    { targets: [target], connections: LOAD.connections, warmupSeconds: LOAD.warmupSeconds, seconds: LOAD.seconds },
    () => (started = inspector.send('Profiler.start')),
  )
  await started
  const { profile } = (await inspector.send('Profiler.stop')) as { profile: Profile }
  inspector.close()
  report(profile, result.requests, modulesOf(worker))
} finally {
  await cluster.close()
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The source module of each line of the Worker's bundle, from the `// path` comment esbuild puts before each module. */
function modulesOf(worker: BenchWorker): string[] {
  const [bundle] = worker.options.modules as { contents: string }[]
  let module = '(bundle)'
  return bundle!.contents.split('\n').map((line) => (module = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line)?.[1] ?? module))
}

function report(profile: Profile, requests: number, moduleAtLine: string[]): void {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)))
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  let total = 0
  for (const [id, us] of selfUs) {
    const node = byNode.get(id)!
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') continue
    total += us
    const key = keyOf(node)
    byFunction.set(key, (byFunction.get(key) ?? 0) + us)
    // The runtime's own functions (no URL) and node-internal ones keep their names.
    const module = url.endsWith('index.js') ? (moduleAtLine[lineNumber] ?? '(bundle)') : url || `(runtime) ${functionName || '(anonymous)'}`
    byModule.set(module, (byModule.get(module) ?? 0) + us)
  }
  console.log(`${variant}: ${requests} requests; JavaScript self time ${(total / requests).toFixed(0)} µs/request (sampled, isolate only)`)
  print('self time', byFunction, requests)
  print('self time by source module', byModule, requests)
  // Inclusive: each sample counts once for every function on its stack.
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const inclusive = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(keyOf(byNode.get(at)!))
    for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + us)
  }
  print('inclusive time', inclusive, requests)
}

function keyOf({ callFrame: { functionName, url, lineNumber, columnNumber } }: ProfileNode): string {
  return `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}:${columnNumber + 1}`
}

function print(title: string, times: Map<string, number>, requests: number): void {
  console.log(`\n${title}`)
  for (const [key, us] of [...times].sort((a, b) => b[1] - a[1]).slice(0, 50)) {
    console.log(`${(us / requests).toFixed(1).padStart(8)} µs  ${key}`)
  }
}

interface Inspector {
  send(method: string, params?: object): Promise<unknown>
  close(): void
}

async function connect(workerName: string): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as { id: string; webSocketDebuggerUrl: string }[]
  const target = targets.find((t) => t.id.includes(workerName)) ?? targets.find((t) => !t.id.includes('origin'))
  if (!target) throw new Error(`no inspector target for ${workerName}: ${JSON.stringify(targets)}`)
  const socket = new WebSocket(target.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)))
  let nextId = 1
  const pending = new Map<number, (result: unknown) => void>()
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown }
    if (message.id) pending.get(message.id)?.(message.result)
  }
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = nextId++
        pending.set(id, resolve)
        socket.send(JSON.stringify({ id, method, params }))
      }),
    close: () => socket.close(),
  }
}
