const LATE = Symbol('late')

/**
 * `call`'s result within `ms`. Whatever goes wrong — the call throws or rejects, or `ms` pass first (the
 * call itself then runs on) — becomes the error `fail` makes of the reason.
 */
export async function withDeadline<T>(call: () => Promise<T>, ms: number, fail: (reason: string, cause?: unknown) => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null
  const deadline = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms)
  })
  let answer: T | typeof LATE
  try {
    answer = await Promise.race([call(), deadline])
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error), error)
  } finally {
    clearTimeout(timer)
  }
  if (answer === LATE) throw fail(`no answer within ${ms} ms`)
  return answer
}
