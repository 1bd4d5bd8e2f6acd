/** A mistake the user can fix: printed as one line, without a stack trace, with a non-zero exit. */
export class UserError extends Error {
  override name = 'UserError'
}

/** Runs a command's body; user errors become a clear message and exit code 1, anything else a crash report. */
export async function runCli(body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`)
      process.exitCode = 1
      return
    }
    throw err
  }
}
