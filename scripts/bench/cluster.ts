/**
 * The Workers the benchmarks load, run on workerd through Miniflare's API: the gateway (src/index.ts
 * behind ./workers/gateway.ts, which counts limiter calls) with the bindings of wrangler.toml, a cheap
 * origin that answers SOPS's success envelope, and whatever other Worker a benchmark needs. Each
 * Worker gets its own socket.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Miniflare, type V4SharedOptions, convertV4MiniflareOptions } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import { secretHash, tokenHash } from '../../src/credentials/hash.ts'
import { appKey, appRecordSchema, tokenKey, tokenRecordSchema } from '../../src/credentials/records.ts'
import type { RateWindow } from '../../src/credentials/records.ts'
import { bundleWorker } from './bundle.ts'
import type { Target } from './load.ts'

/** Miniflare (v4-style) options of one Worker; checked by Miniflare when the cluster starts. */
type WorkerOptions = Record<string, unknown>

const projectFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url))
const WRANGLER_CONFIG = projectFile('wrangler.toml')

/**
 * SOPS's answer to a node or task operation, as cheap as an origin can be; it counts the status reads
 * it answered (GET /__status_calls), for the live-status line of npm run bench.
 */
const ORIGIN_SCRIPT = `let statusCalls = 0
export default {
  fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname === '/__status_calls') return Response.json(statusCalls)
    if (pathname.includes('/get_task_status/')) statusCalls++
    return Response.json({ result: true, code: 0, message: 'success', trace_id: '0' })
  },
}`

/** The seed document's example request (operate_node), and the demo credentials it uses. */
const SEED_REQUEST = {
  path: '/api/c/compapi/v2/sops/operate_node/',
  body: JSON.stringify({
    bk_app_code: 'esb_test',
    bk_app_secret: 'xxx',
    bk_token: 'xxx',
    bk_biz_id: '2',
    task_id: '12',
    node_id: 'node_id',
    action: 'skip',
  }),
}

/**
 * The demo app's limits during a benchmark: far above what this machine can do (16,000 req/s for a
 * minute), so no request of a run is ever refused and the admitted path is what gets measured.
 */
export const BENCH_RATE_LIMITS: RateWindow[] = [{ tokens: 1_000_000, period: 60 }]

const pepper = randomBytes(32).toString('base64url')
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})

export interface BenchWorker {
  name: string
  options: WorkerOptions
}

export const originWorker = (): BenchWorker => ({
  name: 'origin',
  options: { modules: true, script: ORIGIN_SCRIPT },
})

/** The gateway as deployed, with some vars overridden, and the cheap origin bound as ENGINE. */
export async function gatewayWorker(name: string, vars: Record<string, string> = {}): Promise<BenchWorker> {
  const bundle = await bundleWorker(projectFile('scripts/bench/workers/gateway.ts'))
  const { workerOptions } = unstable_getMiniflareWorkerOptions(WRANGLER_CONFIG)
  // The bundle is one ES module, so the config's module rules do not apply; and the console's static
  // assets, which Cloudflare serves before the Worker runs, would put an asset router in front of every
  // request here, in the very process whose CPU is measured.
  const { modulesRules: _, assets: __, ...fromConfig } = workerOptions as WorkerOptions
  return {
    name,
    options: {
      ...fromConfig,
      modules: [{ type: 'ESModule', path: 'index.js', contents: bundle }],
      bindings: {
        ...(fromConfig.bindings as Record<string, string>),
        ...vars,
        JWT_PRIVATE_KEY: keys.privateKey,
        APIGW_PUBLIC_KEY: keys.publicKey,
        CREDENTIAL_PEPPER: pepper,
      },
      serviceBindings: { ENGINE: 'origin' },
    },
  }
}

/** A Worker of scripts/bench/workers, bundled, with the given bindings. */
export async function benchWorker(name: string, entry: string, options: WorkerOptions = {}): Promise<BenchWorker> {
  return {
    name,
    options: {
      ...options,
      modules: [{ type: 'ESModule', path: 'index.js', contents: await bundleWorker(projectFile(`scripts/bench/workers/${entry}`)) }],
    },
  }
}

/** The RateLimiter objects of the Worker named `gateway`, for a Worker that shares them. */
export const GATEWAY_LIMITER = { RATE_LIMITER: { className: 'RateLimiter', scriptName: 'gateway' } }

/** The checks floor (./workers/checks-floor.ts): the cheap origin, the gateway's limiter objects and its signing key. */
export const checksFloorWorker = (name: string): Promise<BenchWorker> =>
  benchWorker(name, 'checks-floor.ts', {
    serviceBindings: { ORIGIN: 'origin' },
    durableObjects: GATEWAY_LIMITER,
    bindings: { JWT_PRIVATE_KEY: keys.privateKey },
  })

/** An edge isolate of the exactness check (./workers/edge.ts): one key limited to `limit`, on the gateway's objects. */
export const edgeWorker = (name: string, limit: RateWindow): Promise<BenchWorker> =>
  benchWorker(name, 'edge.ts', { durableObjects: GATEWAY_LIMITER, bindings: { EDGE_LIMIT: `${limit.tokens}/${limit.period}` } })

export interface Cluster {
  /** The URL of a Worker's own socket. */
  url(worker: string): Promise<URL>
  /** The seed document's request, aimed at a Worker's socket. */
  seedRequest(worker: string): Promise<Target>
  /** Calls that reached a limiter object from a gateway Worker so far. */
  limiterCalls(gateway: string): Promise<number>
  /** Seeds the seed document's demo app and token into the gateway's KV, with the given limits. */
  seedDemo(gateway: string, rateLimits: RateWindow[]): Promise<void>
  close(): Promise<void>
}

/** The gateway logs every call as in production (its cost is measured); nobody needs to read it here. */
const QUIET: V4SharedOptions = { cf: false, handleStructuredLogs: () => {} }

export async function startCluster(workers: BenchWorker[], shared: Partial<V4SharedOptions> = {}): Promise<Cluster> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...QUIET,
      ...shared,
      workers: workers.map(({ name, options }) => ({
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        ...options,
        name,
        unsafeDirectSockets: [{}],
      })),
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  )
  await mf.ready
  return {
    url: (worker) => mf.unsafeGetDirectURL(worker),
    seedRequest: async (worker) => ({
      url: new URL(SEED_REQUEST.path, await mf.unsafeGetDirectURL(worker)).href,
      method: 'POST',
      body: SEED_REQUEST.body,
    }),
    async limiterCalls(gateway) {
      const res = await fetch(new URL('/__bench/limiter-calls', await mf.unsafeGetDirectURL(gateway)))
      return ((await res.json()) as { calls: number }).calls
    },
    async seedDemo(gateway, rateLimits) {
      const kv = await mf.getKVNamespace('CREDENTIALS', gateway)
      const now = new Date().toISOString()
      const app = appRecordSchema.parse({
        version: 1,
        bk_app_code: 'esb_test',
        secrets: [{ hash: await secretHash(pepper, 'esb_test', 'xxx'), created_at: now }],
        user_exempt: true,
        permissions: { resources: '*', biz: '*' },
        rate_limits: rateLimits,
        created_at: now,
        updated_at: now,
      })
      const token = tokenRecordSchema.parse({ version: 1, username: 'admin', expires_at: Date.now() + 3_600_000, created_at: now })
      await kv.put(appKey('esb_test'), JSON.stringify(app))
      await kv.put(tokenKey(await tokenHash('xxx')), JSON.stringify(token))
    },
    close: () => mf.dispose(),
  }
}
