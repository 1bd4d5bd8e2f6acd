/**
 * How the scenarios reach an engine. `engineDriver` calls the reference engine's entrypoint directly,
 * with an X-Bkapi-Jwt signed as the gateway signs it; a gateway driver can run the same scenarios
 * end to end by implementing the same interface.
 */
import { env, exports } from 'cloudflare:workers'
import { JwtSigner } from '../../../src/origin/jwt.ts'

export interface Envelope {
  result: boolean
  code: number
  message: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the status tree is checked field by field
  data?: any
  trace_id?: string
}

export interface EngineDriver {
  /** fast_create_task, then operate_task start when asked; returns the task id. */
  createTask(bizId: string, tree: unknown, options?: { start?: boolean; name?: string }): Promise<number>
  operateNode(bizId: string, taskId: number, body: Record<string, unknown>): Promise<Envelope>
  operateTask(taskId: number, bizId: string, body: Record<string, unknown>): Promise<Envelope>
  taskStatus(taskId: number, bizId: string, query?: Record<string, string>): Promise<Envelope>
  /** SOPS's node_callback API: a callback, optionally for a given node version. */
  nodeCallback(taskId: number, bizId: string, body: Record<string, unknown>): Promise<Envelope>
}

export const ENGINE_BASE = 'https://engine.internal/o/bk_sops/'

/** The engine as the running test reaches it: the gateway's ENGINE binding, or the engine Worker's own entrypoint. */
const engine = (env as { ENGINE?: Fetcher }).ENGINE ?? (exports as unknown as { default: Fetcher }).default
export const OPERATOR = 'admin'

const signer = new JwtSigner(env.JWT_PRIVATE_KEY, 'bk-sops')

/** A token as the gateway signs it; `nowS` signs one for another moment (a fresh signer: no token reuse). */
export function signJwt(username = OPERATOR, nowS?: number): Promise<string> {
  const who = { appCode: 'esb_test', appVerified: true, username, userVerified: true }
  if (nowS === undefined) return signer.sign(who)
  return new JwtSigner(env.JWT_PRIVATE_KEY, 'bk-sops').sign(who, nowS)
}

/** A raw call to the engine's entrypoint, for tests that look at HTTP details. */
export async function engineFetch(path: string, init: RequestInit & { jwt?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  const jwt = init.jwt === undefined ? await signJwt() : init.jwt
  if (jwt !== null) headers.set('X-Bkapi-Jwt', jwt)
  return engine.fetch(new Request(ENGINE_BASE + path, { ...init, headers }))
}

async function call(path: string, method: 'GET' | 'POST', body?: unknown): Promise<Envelope> {
  const res = await engineFetch(path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (res.status !== 200) throw new Error(`engine answered HTTP ${res.status}: ${await res.text()}`)
  return res.json()
}

export function engineDriver(): EngineDriver {
  return {
    async createTask(bizId, tree, options = {}) {
      const created = await call(`apigw/fast_create_task/${bizId}/`, 'POST', { name: options.name ?? 'test task', pipeline_tree: tree })
      if (!created.result) throw new Error(`fast_create_task refused the tree: ${created.message}`)
      const taskId = created.data.task_id as number
      if (options.start) {
        const started = await call(`apigw/operate_task/${taskId}/${bizId}/`, 'POST', { action: 'start' })
        if (!started.result) throw new Error(`start failed: ${started.message}`)
      }
      return taskId
    },
    operateNode: (bizId, taskId, body) => call(`apigw/operate_node/${bizId}/${taskId}/`, 'POST', body),
    operateTask: (taskId, bizId, body) => call(`apigw/operate_task/${taskId}/${bizId}/`, 'POST', body),
    taskStatus: (taskId, bizId, query = {}) =>
      call(`apigw/get_task_status/${taskId}/${bizId}/?${new URLSearchParams(query)}`, 'GET'),
    nodeCallback: (taskId, bizId, body) => call(`apigw/node_callback/${taskId}/${bizId}/`, 'POST', body),
  }
}
