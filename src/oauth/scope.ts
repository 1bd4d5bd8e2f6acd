/**
 * OAuth scopes as the gateway's grants: `resource:<name>` (or `resource:*`) and `biz:<id>`,
 * `biz:project:<id>` (or `biz:*`). A token may do what both its app's grants and its scope allow.
 */
import type { AppRecord } from '../credentials/records.ts'
import { RESOURCE_NAMES, type ResourceName } from '../resources/table.ts'

export type Grants = AppRecord['permissions']

const ITEM = /^(?:resource:(\*|[a-z_]{1,64})|biz:(\*|(?:project:)?\d{1,18}))$/
export const FULL_SCOPE = ['resource:*', 'biz:*']

/** The grants a list of scope items names, or the first item that is not one. */
export function parseScope(items: readonly string[]): { grants: Grants } | { badItem: string } {
  const resources = new Set<string>()
  const biz = new Set<string>()
  for (const item of items) {
    const match = ITEM.exec(item)
    const resource = match?.[1]
    if (!match || (resource && resource !== '*' && !(RESOURCE_NAMES as readonly string[]).includes(resource))) return { badItem: item }
    if (resource) resources.add(resource)
    else biz.add(match[2]!)
  }
  const all = <T extends string>(set: Set<string>) => (set.has('*') ? ('*' as const) : ([...set] as T[]))
  return { grants: { resources: all<ResourceName>(resources), biz: all(biz) } }
}

export function formatScope({ resources, biz }: Grants): string[] {
  return [...(resources === '*' ? ['*'] : resources).map((r) => `resource:${r}`), ...(biz === '*' ? ['*'] : biz).map((b) => `biz:${b}`)]
}

/** Every scope a client may ask for: all resources, each resource, all businesses (one business is `biz:<id>`). */
export const SCOPES_SUPPORTED = [...formatScope({ resources: '*', biz: [] }), ...formatScope({ resources: [...RESOURCE_NAMES], biz: '*' })]

const meet = <T extends string>(a: '*' | T[], b: '*' | T[]): '*' | T[] => (a === '*' ? b : b === '*' ? a : a.filter((x) => b.includes(x)))

/** What both allow. */
export const intersect = (a: Grants, b: Grants): Grants => ({ resources: meet(a.resources, b.resources), biz: meet(a.biz, b.biz) })
