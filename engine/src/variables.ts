/**
 * The demo lazy variables. SOPS resolves a constant of a lazy type (its LazyVariable classes, bamboo's
 * COMPUTE context values) only when a node that references it runs, and that resolution may fail, for
 * example when the service it asks is down: the node then fails with "… hydrate failed(<error>) …"
 * (engine-reference §2.3). A constant is lazy when its `custom_type` names one of these; any other
 * custom_type (input, textarea, …) is a plain value, as in SOPS.
 */
export interface Resolving {
  /** The constant's key, `${name}`. */
  key: string
  /** Its value in the pipeline's context. */
  value: unknown
  /** How many times the node that references it has been retried. */
  attempt: number
}

export type Resolution = { ok: true; value: unknown } | { ok: false; error: string }

export interface LazyVariable {
  resolve(input: Resolving): Resolution
}

/** Fails the first resolution by a node, as a lookup that was down for a moment; the node's retry resolves it. */
const failOnce: LazyVariable = {
  resolve: ({ key, value, attempt }) =>
    attempt === 0
      ? { ok: false, error: `the fail_once variable ${key} fails its first resolution by a node; retry the node to pass` }
      : { ok: true, value },
}

const LAZY_VARIABLES: Readonly<Record<string, LazyVariable>> = {
  fail_once: failOnce,
}

export const lazyVariable = (customType: string | undefined): LazyVariable | undefined =>
  customType !== undefined && Object.hasOwn(LAZY_VARIABLES, customType) ? LAZY_VARIABLES[customType] : undefined
