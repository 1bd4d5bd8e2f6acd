/**
 * The engine's scenarios end to end through the gateway: credentials, validation, permission, rate
 * limit, the signed JWT and the service binding to the reference engine, all real. Tasks are created
 * on the engine directly (fast_create_task is not a gateway resource); every operation and status
 * read goes through the gateway.
 */
import { type EngineDriver, type Envelope, engineDriver } from '../../engine/test/engine/driver.ts'
import { engineScenarios } from '../../engine/test/engine/scenarios.ts'
import { authHeader, call, seedApp, seedToken, uniqueCode } from './helpers.ts'

const code = uniqueCode('scenarios')
await seedApp(code, { rateLimits: [{ tokens: 10_000, period: 1 }] })
await seedToken('scenario-token', 'admin')
const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_token: 'scenario-token' })

async function throughGateway(path: string, body?: Record<string, unknown>): Promise<Envelope> {
  const res = await call(path, { headers, ...(body ? { body } : {}) })
  if (res.status !== 200) throw new Error(`gateway answered HTTP ${res.status}: ${await res.text()}`)
  return res.json()
}

function gatewayDriver(): EngineDriver {
  const engine = engineDriver()
  return {
    createTask: engine.createTask,
    operateNode: (bizId, taskId, body) => throughGateway(`/api/bk-sops/prod/operate_node/${bizId}/${taskId}/`, body),
    operateTask: (taskId, bizId, body) => throughGateway(`/api/bk-sops/prod/operate_task/${taskId}/${bizId}/`, body),
    nodeCallback: (taskId, bizId, body) => throughGateway(`/api/bk-sops/prod/node_callback/${taskId}/${bizId}/`, body),
    taskStatus: (taskId, bizId, query = {}) =>
      throughGateway(`/api/bk-sops/prod/get_task_status/${taskId}/${bizId}/?${new URLSearchParams(query)}`),
  }
}

engineScenarios(gatewayDriver)
