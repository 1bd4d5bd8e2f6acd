/**
 * A typed client for front-ends: `hono/client` over the gateway's routes, sending the credentials in
 * X-Bkapi-Authorization as BlueKing's own SDKs do. Responses are typed per status: 200 carries SOPS's
 * answer, every other status the gateway's error envelope.
 *
 *   const sops = sopsClient('https://sops-edge.example.com', { bk_app_code, bk_app_secret, bk_token })
 *   const res = await sops.api['bk-sops'].prod.operate_node[':bk_biz_id'][':task_id'].$post({
 *     param: { bk_biz_id: '2', task_id: '12' },
 *     json: { node_id: 'node_id', action: 'retry' },
 *   })
 *   if (res.status === 200) { const answer = await res.json(); ... }
 */
import { type ClientRequestOptions, hc } from 'hono/client'
import type { AppType } from './app.ts'

export type { AppType } from './app.ts'
export type { ErrorEnvelope } from './errors.ts'
export type { TaskStatus } from './resources.ts'

export interface ClientCredentials {
  bk_app_code: string
  bk_app_secret: string
  /** A user's login token; or, for an app exempt from user verification, bk_username. */
  bk_token?: string
  bk_username?: string
}

export function sopsClient(baseUrl: string, credentials: ClientCredentials, options: ClientRequestOptions = {}) {
  return hc<AppType>(baseUrl, {
    ...options,
    headers: { ...options.headers, 'X-Bkapi-Authorization': JSON.stringify(credentials) },
  })
}
