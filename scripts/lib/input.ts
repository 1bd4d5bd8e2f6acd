/**
 * The CLI's arguments, checked as the gateway checks them (bk-apigw-reference §3.1 and the record
 * schemas), with messages that say what is wrong and what is expected.
 */
import { APP_CODE_MAX, APP_SECRET_MAX, RATE_WINDOWS_MAX, UNIT_SECONDS, appRecordSchema, parseRateWindows } from '../../src/credentials/records.ts'
import type { RateWindow } from '../../src/credentials/records.ts'
import { RESOURCE_NAMES, type ResourceName } from '../../src/resources/table.ts'
import { UserError } from './errors.ts'

export type AllOr<T> = '*' | T[]

export function appCode(value: string | undefined): string {
  if (!value) throw new UserError('app code cannot be empty')
  if (value.length > APP_CODE_MAX) throw new UserError(`app code cannot be longer than ${APP_CODE_MAX} characters`)
  const checked = appRecordSchema.shape.bk_app_code.safeParse(value)
  if (!checked.success) throw new UserError(`app code ${value} ${checked.error.issues[0]?.message}`)
  return value
}

export function appSecret(value: string): string {
  if (!value) throw new UserError('app secret cannot be empty')
  if (value.length > APP_SECRET_MAX) {
    throw new UserError(`app secret cannot be longer than ${APP_SECRET_MAX} characters`)
  }
  return value
}

/** `2,3,project:5` or `*`: business ids, or SOPS project ids for calls with scope=project. */
export function bizList(value: string): AllOr<string> {
  if (value.trim() === '*') return '*'
  const ids = splitList(value, '--biz')
  const bad = ids.filter((id) => !/^(project:)?\d+$/.test(id))
  if (bad.length > 0) throw new UserError(`--biz takes digit-only business ids, project:<id> or *, not ${bad.join(', ')}`)
  return ids
}

/** `operate_node,get_task_status` or `*`. */
export function resourceList(value: string): AllOr<ResourceName> {
  if (value.trim() === '*') return '*'
  const names = splitList(value, '--resources')
  const known = new Set<string>(RESOURCE_NAMES)
  const bad = names.filter((name) => !known.has(name))
  if (bad.length > 0) {
    throw new UserError(`unknown resource ${bad.join(', ')}; expected * or some of ${RESOURCE_NAMES.join(', ')}`)
  }
  return names as ResourceName[]
}

/** What `parseRateWindows` accepts (the syntax of RATE_LIMIT_DEFAULT too), in the CLI's own words. */
export const RATE_SYNTAX =
  `comma-separated windows <tokens>/<period> such as 10/1s,600/1m, where tokens is a positive whole number and ` +
  `the period a whole number of s, m, h or d, from 1s to 1d; up to ${RATE_WINDOWS_MAX} windows`

/** `10/1s,600/1m`: the app's own rate windows. */
export function rateWindows(value: string): RateWindow[] {
  const parsed = parseRateWindows(value)
  if ('badItem' in parsed) throw new UserError(`rate window "${parsed.badItem}" is not valid; expected ${RATE_SYNTAX}`)
  if (parsed.windows.length > RATE_WINDOWS_MAX) throw new UserError(`at most ${RATE_WINDOWS_MAX} rate windows, not ${parsed.windows.length}`)
  return parsed.windows
}

/** The words a duration's unit may be written as, by the unit's letter. */
const UNIT_WORDS: Record<string, string[]> = {
  s: ['s', 'sec', 'secs', 'second', 'seconds'],
  m: ['m', 'min', 'mins', 'minute', 'minutes'],
  h: ['h', 'hr', 'hrs', 'hour', 'hours'],
  d: ['d', 'day', 'days'],
}

/** `8h`, `8 hours`, `30m`, `7d`, `90s`: a duration in milliseconds. */
export function duration(value: string, option: string): number {
  const match = /^(\d+)\s*([a-z]+)$/i.exec(value.trim())
  const unit = match && Object.keys(UNIT_WORDS).find((letter) => UNIT_WORDS[letter]!.includes(match[2]!.toLowerCase()))
  const ms = match && unit ? Number(match[1]) * UNIT_SECONDS[unit]! * 1000 : 0
  if (!(ms > 0)) throw new UserError(`${option} takes a positive duration such as 90s, 30m, 8h (or "8 hours") or 7d, not "${value}"`)
  return ms
}

function splitList(value: string, option: string): string[] {
  const items = value.split(',').map((item) => item.trim())
  if (items.some((item) => item === '')) throw new UserError(`${option} takes a comma-separated list without empty items`)
  return [...new Set(items)]
}
