/**
 * Failures of engine API calls. bamboo-engine's API wrapper never raises: it returns `fail` with the Python
 * traceback, which SOPS sends as `"fail: " + traceback`. The last line of that traceback is
 * `<exception class path>: <message>`, the part callers (and tests) match on.
 */
export class EngineError extends Error {
  /** Python class path, e.g. `bamboo_engine.exceptions.InvalidOperationError`. */
  readonly pythonClass: string

  constructor(pythonClass: string, message: string) {
    super(message)
    this.pythonClass = pythonClass
  }
}

export const invalidOperation = (message: string) =>
  new EngineError('bamboo_engine.exceptions.InvalidOperationError', message)

export const notFound = (message: string) => new EngineError('bamboo_engine.exceptions.NotFoundError', message)

/** set_state's transition refusal (sic: "can't not"). */
export const cannotTransit = (nodeId: string, from: string, to: string) =>
  new EngineError('RuntimeError', `can't not transit node(${nodeId}) state from ${from} to ${to}`)

/** Django's `<Model>.DoesNotExist` from the engine runtime's tables (Node, State, Schedule). */
export const doesNotExist = (model: 'Node' | 'State' | 'Schedule') =>
  new EngineError(`pipeline.eri.models.${model}.DoesNotExist`, `${model} matching query does not exist.`)

/** Python's KeyError, whose text is the repr of the key. */
export const keyError = (key: string) => new EngineError('KeyError', `'${key}'`)

/** The traceback text SOPS puts after "fail: ". */
export function traceback(api: string, error: EngineError): string {
  return [
    'Traceback (most recent call last):',
    '  File "bamboo_engine/api.py", line 58, in _wrapper',
    '    data = func(*args, **kwargs)',
    `  File "bamboo_engine/api.py", in ${api}`,
    `${error.pythonClass}: ${error.message}`,
    '',
  ].join('\n')
}
