/**
 * How records are shown to operators, as JSON (`--json`) and as text: never a secret, hashes only as
 * short fingerprints. The text is rendered from the JSON view, so both always say the same.
 */
import { type AppRecord, type RateWindow, type TokenRecord, UNIT_SECONDS } from '../../src/credentials/records.ts'

/** Eight hex digits of a keyed hash: enough to tell secrets apart, useless to an attacker. */
export const fingerprint = (hash: string) => hash.slice(0, 8)

export interface AppView {
  bk_app_code: string
  disabled: boolean
  user_exempt: boolean
  permissions: AppRecord['permissions']
  /** null: the gateway's RATE_LIMIT_DEFAULT. */
  rate_limits: RateWindow[] | null
  /** Oldest first; two during a rotation. */
  secrets: { fingerprint: string; created_at: string }[]
  created_at: string
  updated_at: string
}

export interface TokenView {
  /** Of the token's SHA-256. */
  fingerprint: string
  username: string
  expires_at: string
  expired: boolean
  created_at: string
}

export function appView(app: AppRecord): AppView {
  return {
    bk_app_code: app.bk_app_code,
    disabled: app.disabled,
    user_exempt: app.user_exempt,
    permissions: app.permissions,
    rate_limits: app.rate_limits ?? null,
    secrets: app.secrets.map((s) => ({ fingerprint: fingerprint(s.hash), created_at: s.created_at })),
    created_at: app.created_at,
    updated_at: app.updated_at,
  }
}

export function tokenView(token: TokenRecord, hash: string, now = Date.now()): TokenView {
  return {
    fingerprint: fingerprint(hash),
    username: token.username,
    expires_at: new Date(token.expires_at).toISOString(),
    expired: token.expires_at <= now,
    created_at: token.created_at,
  }
}

const all = (value: '*' | string[]) => (value === '*' ? '* (all)' : value.length > 0 ? value.join(', ') : 'none')
/** A period in its largest whole unit, as the rate syntax takes it: 3600 → 1h, 90 → 90s. */
const periodText = (seconds: number) => {
  const [unit, size] = Object.entries(UNIT_SECONDS)
    .sort(([, a], [, b]) => b - a)
    .find(([, size]) => seconds % size === 0)!
  return `${seconds / size}${unit}`
}
export const rateText = (windows: RateWindow[]) => windows.map((w) => `${w.tokens}/${periodText(w.period)}`).join(',')

export function describeApp(app: AppView): string {
  const secrets = app.secrets.map((s, i) => {
    const role = app.secrets.length === 1 ? '' : i === 0 ? ', older' : ', newer'
    return `${s.fingerprint} (since ${s.created_at}${role})`
  })
  return [
    `app        ${app.bk_app_code}`,
    `status     ${app.disabled ? 'DISABLED' : 'enabled'}`,
    `users      ${app.user_exempt ? 'exempt from user verification (bk_username accepted)' : 'verified users only (bk_token)'}`,
    `resources  ${all(app.permissions.resources)}`,
    `biz        ${all(app.permissions.biz)}`,
    `rate       ${app.rate_limits ? rateText(app.rate_limits) : 'gateway default'}`,
    `secrets    ${secrets.join('; ')}`,
    `created    ${app.created_at}`,
    `updated    ${app.updated_at}`,
  ].join('\n')
}

/** `app list`: one app a line, in columns aligned across the apps. */
export function describeAppLines(apps: AppView[]): string {
  const list = (value: '*' | string[]) => (value === '*' ? '*' : value.join(',') || 'none')
  const header = ['APP', 'STATUS', 'USERS', 'RESOURCES', 'BIZ', 'RATE', 'SECRETS']
  const rows = apps.map((app) => [
    app.bk_app_code,
    app.disabled ? 'DISABLED' : 'enabled',
    app.user_exempt ? 'user-exempt' : 'verified-users',
    list(app.permissions.resources),
    list(app.permissions.biz),
    app.rate_limits ? rateText(app.rate_limits) : 'default',
    app.secrets.map((s) => s.fingerprint).join(','),
  ])
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)))
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')
}

export function describeToken(token: TokenView): string {
  return [
    `token      ${token.fingerprint} (fingerprint of its SHA-256)`,
    `user       ${token.username}`,
    `expires    ${token.expires_at}${token.expired ? ' (EXPIRED)' : ''}`,
    `created    ${token.created_at}`,
  ].join('\n')
}
