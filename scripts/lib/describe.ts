/** How records are shown to operators: never a secret, hashes only as short fingerprints. */
import type { AppRecord, RateWindow, TokenRecord } from '../../src/credentials/records.ts'

/** Eight hex digits of a keyed hash: enough to tell secrets apart, useless to an attacker. */
export const fingerprint = (hash: string) => hash.slice(0, 8)

const all = (value: '*' | string[]) => (value === '*' ? '* (all)' : value.length > 0 ? value.join(', ') : 'none')
const rates = (windows: RateWindow[] | undefined) =>
  windows ? windows.map((w) => `${w.tokens}/${w.period}s`).join(', ') : 'gateway default'

export function describeApp(app: AppRecord): string {
  const secrets = app.secrets.map((s, i) => {
    const role = app.secrets.length === 1 ? '' : i === 0 ? ', older' : ', newer'
    return `${fingerprint(s.hash)} (since ${s.created_at}${role})`
  })
  return [
    `app        ${app.bk_app_code}`,
    `status     ${app.disabled ? 'DISABLED' : 'enabled'}`,
    `users      ${app.user_exempt ? 'exempt from user verification (bk_username accepted)' : 'verified users only (bk_token)'}`,
    `resources  ${all(app.permissions.resources)}`,
    `biz        ${all(app.permissions.biz)}`,
    `rate       ${rates(app.rate_limits)}`,
    `secrets    ${secrets.join('; ')}`,
    `created    ${app.created_at}`,
    `updated    ${app.updated_at}`,
  ].join('\n')
}

export function describeAppLine(app: AppRecord): string {
  return [
    app.bk_app_code,
    app.disabled ? 'DISABLED' : 'enabled',
    app.user_exempt ? 'user-exempt' : 'verified-users',
    `resources=${app.permissions.resources === '*' ? '*' : app.permissions.resources.join(',') || 'none'}`,
    `biz=${app.permissions.biz === '*' ? '*' : app.permissions.biz.join(',') || 'none'}`,
    `rate=${app.rate_limits ? app.rate_limits.map((w) => `${w.tokens}/${w.period}s`).join(',') : 'default'}`,
    `secrets=${app.secrets.map((s) => fingerprint(s.hash)).join(',')}`,
  ].join('  ')
}

export function describeToken(token: TokenRecord, hash: string, now = Date.now()): string {
  return [
    `token      ${fingerprint(hash)} (fingerprint of its SHA-256)`,
    `user       ${token.username}`,
    `expires    ${new Date(token.expires_at).toISOString()}${token.expires_at <= now ? ' (EXPIRED)' : ''}`,
    `created    ${token.created_at}`,
  ].join('\n')
}
