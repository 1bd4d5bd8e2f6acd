/**
 * Tasks through the reference engine's real SOPS API (fast_create_task, operate_task,
 * get_task_status), signed with the dev JWT key exactly as the gateway signs its calls.
 */
import { JwtSigner } from '../../src/origin/jwt.ts'
import { UserError } from './errors.ts'
import type { ServiceFetcher } from './worker.ts'

/** Who the engine records as creator and operator of tasks made by the CLI. */
export const ADMIN_IDENTITY = { appCode: 'sops-edge-admin', appVerified: true, username: 'admin', userVerified: true }

interface Envelope {
  result?: unknown
  code?: unknown
  message?: unknown
  data?: unknown
}

/** The ENGINE binding: SOPS's API over HTTP, and the engine's own RPC for the demo reset. */
export interface EngineBinding extends ServiceFetcher {
  /** false, and nothing done, where the demo is off (ENGINE_DEMO_SEED). */
  resetDemo(): Promise<boolean>
}

export interface EngineClient {
  createTask(bizId: string, name: string, pipelineTree: unknown): Promise<number>
  startTask(bizId: string, taskId: number): Promise<void>
  /** The task's state, e.g. RUNNING or FAILED. */
  taskState(bizId: string, taskId: number): Promise<string>
  /** The demo tasks as freshly seeded; false where the demo is off. */
  resetDemo(): Promise<boolean>
}

export function engineClient(engine: EngineBinding, privateKeyPem: string, gatewayName: string): EngineClient {
  const signer = new JwtSigner(privateKeyPem, gatewayName)
  const call = async (operation: string, path: string, body?: unknown): Promise<Envelope> => {
    const res = await engine.fetch(`https://engine.local/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Bkapi-Jwt': await signer.sign(ADMIN_IDENTITY) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    let envelope: Envelope | undefined
    try {
      envelope = JSON.parse(text) as Envelope
    } catch {
      // 403: the engine verifies with the public key it started with; `jwt rotate` needs a restart.
      const hint = res.status === 403 ? ' (if `jwt rotate` ran since `npm run dev` started, restart it)' : ''
      throw new UserError(`the engine answered ${operation} with HTTP ${res.status}: ${text.slice(0, 300)}${hint}`)
    }
    if (envelope.result !== true) {
      throw new UserError(`the engine refused ${operation}: ${String(envelope.message)} (code ${String(envelope.code)})`)
    }
    return envelope
  }
  return {
    async createTask(bizId, name, pipelineTree) {
      const { data } = await call('fast_create_task', `apigw/fast_create_task/${bizId}/`, { name, pipeline_tree: pipelineTree })
      const taskId = (data as { task_id?: unknown } | null)?.task_id
      if (typeof taskId !== 'number') throw new UserError('the engine created a task but sent no task_id')
      return taskId
    },
    async startTask(bizId, taskId) {
      await call('operate_task start', `apigw/operate_task/${taskId}/${bizId}/`, { action: 'start' })
    },
    async taskState(bizId, taskId) {
      const { data } = await call('get_task_status', `apigw/get_task_status/${taskId}/${bizId}/`)
      return String((data as { state?: unknown } | null)?.state)
    },
    resetDemo: () => engine.resetDemo(),
  }
}
