/** One time format across the console: the operator's locale, with the zone. */
const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' })

export const formatTime = (date: Date) => FORMAT.format(date)

/** SOPS's `2024-05-01 10:00:00 +0800` as a Date; undefined for anything else. */
export function parseSopsTime(text: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(text)
  if (!match) return undefined
  const date = new Date(`${match[1]}T${match[2]}${match[3]}:${match[4]}`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** A SOPS time in the console's format, or as SOPS wrote it when it is not one. */
export const formatSopsTime = (text: string) => {
  const date = parseSopsTime(text)
  return date ? formatTime(date) : text
}
