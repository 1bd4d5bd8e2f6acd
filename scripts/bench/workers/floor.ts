/**
 * The floor of `npm run bench`: the least any gateway that keeps the contract's origin call and logs
 * each call must do, with none of the checks. It reads the caller's JSON body, posts the operation's
 * fields to the origin with a request id, a (pre-signed) JWT and a deadline, reads the answer, adds
 * `request_id`, and prints one access-log object of the gateway's size (or, with LOG_FORMAT `none`, only
 * builds it). What the pipeline costs above this line is what its checks cost (./checks-floor.ts tells
 * their own work from the pipeline's); what this costs above the bare proxy, no gateway that keeps the
 * contract can save.
 */
import { LINE_TEMPLATE } from './access-line.ts'

interface Env {
  ORIGIN: { fetch(url: string, init: RequestInit): Promise<Response> }
  /** `none`: the line is built but not printed, as the gateway's LOG_FORMAT. */
  LOG_FORMAT?: string
}

/** As long as an RS512 X-Bkapi-Jwt; the gateway, too, signs once and reuses the token. */
const JWT = `eyJ${'x'.repeat(700)}`
/** What the gateway forwards of an operate_node call (src/resources/table.ts); `scope` defaults as validation does. */
const FIELDS = ['node_id', 'action', 'data', 'inputs', 'flow_id', 'flow_ids', 'converge_gateway_id', 'scope'] as const

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const startedAt = Date.now()
    const body = JSON.parse(await request.text()) as Record<string, unknown>
    const id = crypto.randomUUID()
    const fields: Record<string, unknown> = { scope: 'cmdb_biz' }
    for (const name of FIELDS) if (body[name] !== undefined) fields[name] = body[name]
    const res = await env.ORIGIN.fetch(`https://engine.internal/apigw/operate_node/${body.bk_biz_id}/${body.task_id}/`, {
      method: 'POST',
      headers: { 'X-Bkapi-Jwt': JWT, 'X-Bkapi-Request-ID': id, 'X-Request-ID': id, 'X-Bk-Tenant-Id': 'default', 'Content-Type': 'application/json' },
      body: JSON.stringify(fields),
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    })
    const answer = JSON.stringify({ ...(JSON.parse(await res.text()) as object), request_id: id })
    const path = new URL(request.url).pathname
    const line = { ...LINE_TEMPLATE, message: `POST ${path} 200 OK`, time: new Date(startedAt).toISOString(), request_id: id, x_request_id: id, path }
    if (env.LOG_FORMAT !== 'none') console.log(line)
    return new Response(answer, { headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Bkapi-Request-ID': id } })
  },
}
