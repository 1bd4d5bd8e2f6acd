/**
 * The credential records kept in Workers KV. One schema, shared by the gateway (which reads them)
 * and the admin CLI (which writes them), so the CLI cannot write a record the gateway rejects.
 * Secrets and tokens are never stored in clear: see ./hash.ts. Every object is strict: a field the
 * gateway does not know is refused by name, never stored and carried along.
 */
import * as z from 'zod'
import { RESOURCE_NAMES } from '../resources/table.ts'

/** Every credential value is at most this long (CONTRACT §3), checked before any lookup. */
export const CREDENTIAL_VALUE_MAX = 128
/** BlueKing's own limits on the credential fields (bk-apigw-reference §3.1). */
export const APP_CODE_MAX = 32
export const APP_SECRET_MAX = CREDENTIAL_VALUE_MAX
/** CONTRACT §3: an access token is at most 512 characters. */
export const ACCESS_TOKEN_MAX = 512
/** Every rate window is enforced; an app record holds at most this many. */
export const RATE_WINDOWS_MAX = 4

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
const isoTime = z.iso.datetime()

export const rateWindowSchema = z.strictObject({
  tokens: z.int().positive(),
  /** Window length in seconds. */
  period: z.int().positive().max(86_400),
})
export type RateWindow = z.infer<typeof rateWindowSchema>

/** Seconds per unit of a period or duration: `90s`, `30m`, `8h`, `1d`. */
export const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/**
 * `10/1s,600/1m`: the rate syntax of RATE_LIMIT_DEFAULT and of the admin CLI, one window per item,
 * tokens per period. Names the first item that is not a valid window.
 */
export function parseRateWindows(text: string): { windows: RateWindow[] } | { badItem: string } {
  const windows: RateWindow[] = []
  for (const item of text.split(',').map((part) => part.trim())) {
    const match = /^(\d+)\s*\/\s*(\d+)([smhd])$/.exec(item)
    const window = match && rateWindowSchema.safeParse({ tokens: Number(match[1]), period: Number(match[2]) * UNIT_SECONDS[match[3]!]! })
    if (!window?.success) return { badItem: item }
    windows.push(window.data)
  }
  return { windows }
}

export const appRecordSchema = z.strictObject({
  version: z.literal(1),
  bk_app_code: z
    .string()
    .max(APP_CODE_MAX, `must be at most ${APP_CODE_MAX} characters`)
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _, . or -'),
  /** Keyed hashes of the valid secrets, newest last; two during a rotation. */
  secrets: z
    .array(z.strictObject({ hash: hex64, created_at: isoTime }))
    .min(1)
    .max(2),
  disabled: z.boolean().default(false),
  /** BlueKing's verified-user-exempted-apps whitelist: a bare bk_username is accepted. */
  user_exempt: z.boolean().default(false),
  permissions: z.strictObject({
    resources: z.union([z.literal('*'), z.array(z.enum(RESOURCE_NAMES))]),
    /**
     * CMDB business ids (`"2"`), or SOPS project ids for calls with scope=project (`"project:5"`),
     * since the gateway cannot map one onto the other.
     */
    biz: z.union([z.literal('*'), z.array(z.string().regex(/^(project:)?\d+$/, 'must be digits or project:<digits>'))]),
  }),
  /** Several windows, all enforced; absent means the configured default. */
  rate_limits: z.array(rateWindowSchema).min(1).max(RATE_WINDOWS_MAX).optional(),
  created_at: isoTime,
  updated_at: isoTime,
})
export type AppRecord = z.infer<typeof appRecordSchema>

export const tokenRecordSchema = z.strictObject({
  version: z.literal(1),
  username: z.string().min(1).max(CREDENTIAL_VALUE_MAX),
  /** Unix time in milliseconds; the token is refused from then on. */
  expires_at: z.number().int().positive(),
  created_at: isoTime,
})
export type TokenRecord = z.infer<typeof tokenRecordSchema>

/** KV keys. The token key is derived from the token's SHA-256, never the token itself. */
export const appKey = (bkAppCode: string) => `app:${bkAppCode}`
export const tokenKey = (tokenSha256: string) => `token:${tokenSha256}`
