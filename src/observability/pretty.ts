import type { AccessLine } from './line.ts'

/**
 * What would let a text from outside (an origin's message, a path) act on a terminal rather than be
 * read in it: C0 and C1 controls (newline, carriage return, ESC that starts ANSI sequences), DEL, the
 * Unicode line and paragraph separators, and the bidirectional overrides that reorder what is shown.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** The text with each such character written as its `\uXXXX` escape: seen, never obeyed. */
export const terminalSafe = (text: string) => text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

/**
 * The access-log line for a terminal (`npm run dev`): method, path, status, code_name, total time and
 * app, then why it failed; an unexpected fault's stack follows, indented — the only line breaks the
 * line ever holds.
 */
export function prettyLine(line: AccessLine): string {
  const why = [line.error_message, line.detail, line.metrics_error && `metrics: ${line.metrics_error}`]
  const text = terminalSafe([line.message, ...why.filter(Boolean)].join(' · '))
  return line.exception ? `${text}\n  ${line.exception.split('\n').map(terminalSafe).join('\n  ')}` : text
}
