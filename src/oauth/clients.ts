/**
 * OAuth clients as the admin endpoint takes them: public only (no secret, PKCE), each bound to one
 * BlueKing app and a largest scope. The authorization server keeps them; the gateway validates them.
 */
import * as z from 'zod'
import { APP_CODE_MAX } from '../credentials/records.ts'
import { FULL_SCOPE, parseScope } from './scope.ts'

export const bindingSchema = z.object({
  bk_app_code: z.string().min(1).max(APP_CODE_MAX),
  scope: z.array(z.string().max(64)).max(100).refine((items) => 'grants' in parseScope(items), 'must be resource:<name>, resource:*, biz:<id> or biz:*'),
})
export type Binding = z.infer<typeof bindingSchema>

export const newClientSchema = z.object({
  name: z.string().min(1).max(100),
  bk_app_code: bindingSchema.shape.bk_app_code,
  redirect_uris: z.array(z.url({ protocol: /^https?$/ }).max(2048)).min(1).max(10),
  scope: bindingSchema.shape.scope.default(FULL_SCOPE),
  /** The console's own client: the one /oauth/console-client names. */
  console: z.boolean().default(false),
})
export type ValidClient = z.output<typeof newClientSchema>
