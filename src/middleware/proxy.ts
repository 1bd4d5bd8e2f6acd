/** The last step: forward the validated operation to the origin with the signed identity. */
import type { Handler } from 'hono'
import type { Gateway, GatewayContext } from './context.ts'
import { jsonResponse } from '../lib/errors.ts'
import { signIdentity } from '../origin/identity.ts'
import { type OriginReply, type OriginRequest, callOrigin } from '../origin/origin.ts'
import { type Resource, originPath } from '../resources/table.ts'
import { traceIdOf } from '../lib/traceparent.ts'

/** How the proxy reaches the origin: directly, or through the task's poller (src/middleware/origin-calls.ts). */
export type OriginCall = (c: GatewayContext, call: OriginRequest) => Promise<OriginReply>

const direct: OriginCall = (c, call) => callOrigin(c.env, call, c.get('timings'))

export const proxy =
  (resource: Resource, originCall: OriginCall = direct): Handler<Gateway> =>
  async (c) => {
    const input = c.get('input')
    const traceparent = c.req.header('traceparent')
    const headers: Record<string, string> = {
      'X-Bkapi-Jwt': await signIdentity(c.env, {
        appCode: c.get('app').bk_app_code,
        appVerified: true,
        username: c.get('user').username,
        userVerified: c.get('user').verified,
      }),
      'X-Bkapi-Request-ID': c.get('requestId'),
      'X-Request-ID': c.get('xRequestId'),
      'X-Bk-Tenant-Id': 'default',
    }
    if (traceIdOf(traceparent)) headers.traceparent = traceparent as string

    const reply = await originCall(
      c,
      {
        method: resource.method === 'get' ? 'GET' : 'POST',
        path: originPath(resource, input),
        // Only the operation's own fields: no credential ever leaves the edge.
        fields: Object.fromEntries(resource.forward.map((field) => [field, input[field]])),
        answerFields: resource.answerFields ?? [],
        headers,
      },
    )
    c.set('originAnswer', reply.envelope)
    const { extra, ...envelope } = reply.envelope
    return jsonResponse(reply.status, { ...envelope, ...extra, request_id: c.get('requestId') }, reply.headers)
  }
