import type { MiddlewareHandler } from 'hono'
import type { Gateway } from '../http/context.ts'
import { GatewayError } from '../lib/errors.ts'

/**
 * The app's grants (its KV record): which resources, and which businesses — or, for calls with
 * scope=project, which SOPS projects (`project:<id>`).
 */
export const permission =
  (): MiddlewareHandler<Gateway> =>
  (c, next) => {
    const app = c.get('app')
    const resource = c.get('resource')
    const input = c.get('input')
    const { resources, biz } = app.permissions
    const deny = (what: string) =>
      new GatewayError('APP_NO_PERMISSION', { reason: `no permission to ${what}, bk_app_code=${app.bk_app_code}` })

    if (resources !== '*' && !resources.includes(resource)) throw deny(`resource ${resource}`)
    // A call about no business (get_user_project_list) needs only the resource.
    if (input.bk_biz_id === undefined) return next()
    const grant = input.scope === 'project' ? `project:${input.bk_biz_id}` : input.bk_biz_id
    if (biz !== '*' && !biz.includes(grant)) {
      throw deny(input.scope === 'project' ? `project ${input.bk_biz_id}` : `business ${input.bk_biz_id}`)
    }
    return next()
  }
