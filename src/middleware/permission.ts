import type { MiddlewareHandler } from 'hono'
import type { Gateway } from './context.ts'
import { GatewayError } from '../lib/errors.ts'

/**
 * The app's grants (its KV record): which resources, and which businesses — or, for calls with
 * scope=project, which SOPS projects (`project:<id>`). A call with an access token may do only what
 * its scope allows as well.
 */
export const permission =
  (): MiddlewareHandler<Gateway> =>
  (c, next) => {
    const app = c.get('app')
    const resource = c.get('resource')
    const input = c.get('input')
    const tokenScope = c.get('tokenScope')
    const grant = input.scope === 'project' ? `project:${input.bk_biz_id}` : input.bk_biz_id
    for (const [{ resources, biz }, whose] of [[app.permissions, ''], ...(tokenScope ? [[tokenScope, " within the access_token's scope"] as const] : [])] as const) {
      const deny = (what: string) =>
        new GatewayError('APP_NO_PERMISSION', { reason: `no permission to ${what}${whose}, bk_app_code=${app.bk_app_code}` })
      if (resources !== '*' && !resources.includes(resource)) throw deny(`resource ${resource}`)
      // A call about no business (get_user_project_list) needs only the resource.
      if (input.bk_biz_id === undefined) continue
      if (biz !== '*' && !biz.includes(grant as string)) {
        throw deny(input.scope === 'project' ? `project ${input.bk_biz_id}` : `business ${input.bk_biz_id}`)
      }
    }
    return next()
  }
