import type { AccessLine } from './line.ts'

/**
 * The access-log line for a terminal (`npm run dev`): method, path, status, code_name, total time and
 * app, then why it failed; an unexpected fault's stack follows, indented.
 */
export function prettyLine(line: AccessLine): string {
  const why = [line.error_message, line.detail, line.metrics_error && `metrics: ${line.metrics_error}`]
  const text = [line.message, ...why.filter(Boolean)].join(' · ')
  return line.exception ? `${text}\n  ${line.exception.replaceAll('\n', '\n  ')}` : text
}
