/**
 * get_task_status's data (engine-reference §6.1): the engine's state rows nested by parent, in SOPS's
 * legacy formatting: "root_id:" (sic), times in +0800, elapsed seconds, states derived on RUNNING
 * parents, names, and with_ex_data's failed leaves.
 */
import type { Json, JsonObject } from './json.ts'
import type { PipelineIndex } from './runtime.ts'
import type { StateRecord, Store } from './store.ts'

/** A task that has not started. Note `skip: 0` and no `id`. */
export const createdStatus = (): JsonObject => ({
  start_time: null,
  state: 'CREATED',
  retry: 0,
  skip: 0,
  finish_time: null,
  elapsed_time: 0,
  children: {},
})

interface Entry {
  record: StateRecord
  /** The root's entry copies these from the last child row (engine quirk). */
  errorIgnored: boolean
  parentId: string
  children: Map<string, Entry>
}

export interface StatusQuery {
  subprocessId?: string
  withExData: boolean
}

/** SOPS's default timezone is Asia/Shanghai: +0800, no daylight saving. */
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000

export function formatTime(ms: number | null): string | null {
  if (ms === null) return null
  const d = new Date(ms + SHANGHAI_OFFSET_MS)
  const two = (n: number) => String(n).padStart(2, '0')
  const date = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`
  return `${date} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0800`
}

function elapsedSeconds(record: StateRecord, now: number): number {
  if (record.startedTime === null) return 0
  return Math.round(((record.archivedTime ?? now) - record.startedTime) / 1000)
}

export function taskStatus(store: Store, index: PipelineIndex, taskName: string, query: StatusQuery, now: number): JsonObject {
  const rootId = index.root.id
  const rootRecord = store.state(rootId)
  if (store.getMeta('started') !== 'true' || !rootRecord) return createdStatus()

  const rows = store.statesOfRoot(rootId).filter((row) => row.nodeId !== rootId)
  const root: Entry = { record: rootRecord, errorIgnored: rows.at(-1)?.errorIgnored ?? false, parentId: rootId, children: new Map() }
  const entries = new Map<string, Entry>([[rootId, root]])
  for (const row of rows) entries.set(row.nodeId, { record: row, errorIgnored: row.errorIgnored, parentId: row.parentId, children: new Map() })
  for (const row of rows) {
    const entry = entries.get(row.nodeId)
    if (entry) (entries.get(row.parentId) ?? root).children.set(row.nodeId, entry)
  }

  const top = query.subprocessId === undefined ? root : entries.get(query.subprocessId)
  if (!top || (top !== root && !descendsFrom(top, root))) return createdStatus()

  const formatted = format(top, index, now)
  formatted.name = taskName
  if (query.withExData && formatted.state === 'FAILED') formatted.ex_data = failedLeaves(formatted, store)
  return formatted
}

function descendsFrom(entry: Entry, ancestor: Entry): boolean {
  for (const child of ancestor.children.values()) if (child === entry || descendsFrom(entry, child)) return true
  return false
}

function format(entry: Entry, index: PipelineIndex, now: number): JsonObject {
  const { record } = entry
  const children: JsonObject = {}
  for (const [id, child] of entry.children) {
    const formattedChild = format(child, index, now)
    const node = index.entry(id)?.node
    formattedChild.name = node && (node.type === 'ServiceActivity' || node.type === 'SubProcess') ? node.name : ''
    children[id] = formattedChild
  }
  return {
    id: record.nodeId,
    state: derivedState(record.name, children),
    'root_id:': record.rootId,
    parent_id: entry.parentId,
    version: record.version,
    loop: record.loop,
    retry: record.retry,
    skip: record.skip,
    error_ignorable: entry.errorIgnored,
    error_ignored: entry.errorIgnored,
    children,
    elapsed_time: elapsedSeconds(record, now),
    start_time: formatTime(record.startedTime),
    finish_time: formatTime(record.archivedTime),
  }
}

/** A RUNNING parent shows FAILED when a child failed, else NODE_SUSPENDED when a child is paused. */
function derivedState(state: string, children: JsonObject): string {
  if (state !== 'RUNNING') return state
  const childStates = Object.values(children).map((child) => (child as JsonObject).state)
  if (childStates.includes('FAILED')) return 'FAILED'
  if (childStates.includes('SUSPENDED') || childStates.includes('NODE_SUSPENDED')) return 'NODE_SUSPENDED'
  return state
}

function failedLeaves(entry: JsonObject, store: Store, found: JsonObject = {}): JsonObject {
  for (const child of Object.values(entry.children as JsonObject) as JsonObject[]) {
    if (child.state !== 'FAILED') continue
    if (Object.keys(child.children as JsonObject).length > 0) failedLeaves(child, store, found)
    else found[String(child.id)] = (store.executionData(String(child.id))?.outputs.ex_data ?? '') as Json
  }
  return found
}
