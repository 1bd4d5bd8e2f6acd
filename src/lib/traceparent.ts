/** W3C Trace Context: the caller's `traceparent` is passed on only when it is a valid one. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/
const ZEROS = /^0+$/

/** The trace id of a valid `traceparent` (version 00 exactly, later versions by their known prefix), else undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (!traceparent || traceparent.length > 512) return undefined
  const match = TRACEPARENT.exec(traceparent)
  if (!match) return undefined
  const [, version, traceId = '', parentId = '', rest] = match
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (ZEROS.test(traceId) || ZEROS.test(parentId)) return undefined
  return traceId
}
