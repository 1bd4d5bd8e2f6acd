/**
 * The task object's SQLite tables (bamboo-engine's runtime models): state records, execution data,
 * histories, processes, schedules, callback data and pipeline contexts, plus the task's own metadata.
 * Everything the engine knows lives here, so a task survives eviction and restarts.
 */
import type { StateName } from './states.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS states (
  node_id TEXT PRIMARY KEY, root_id TEXT NOT NULL, parent_id TEXT NOT NULL, name TEXT NOT NULL,
  version TEXT NOT NULL, loop INTEGER NOT NULL, inner_loop INTEGER NOT NULL, retry INTEGER NOT NULL,
  skip INTEGER NOT NULL, error_ignored INTEGER NOT NULL,
  created_time INTEGER NOT NULL, started_time INTEGER, archived_time INTEGER);
CREATE TABLE IF NOT EXISTS execution_data (node_id TEXT PRIMARY KEY, inputs TEXT NOT NULL, outputs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_inputs (node_id TEXT PRIMARY KEY, inputs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contexts (pipeline_id TEXT PRIMARY KEY, vars TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS histories (
  id INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL, started_time INTEGER, archived_time INTEGER,
  loop INTEGER NOT NULL, retry INTEGER NOT NULL, skip INTEGER NOT NULL, version TEXT NOT NULL,
  inputs TEXT NOT NULL, outputs TEXT NOT NULL, operator TEXT NOT NULL, created_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS processes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, root_pipeline_id TEXT NOT NULL, parent_id INTEGER,
  destination_id TEXT NOT NULL, current_node_id TEXT NOT NULL, pipeline_stack TEXT NOT NULL,
  asleep INTEGER NOT NULL, suspended INTEGER NOT NULL, suspended_by TEXT NOT NULL, dead INTEGER NOT NULL,
  need_ack INTEGER NOT NULL, ack_num INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (
  id INTEGER PRIMARY KEY AUTOINCREMENT, process_id INTEGER NOT NULL, node_id TEXT NOT NULL,
  version TEXT NOT NULL, type TEXT NOT NULL, finished INTEGER NOT NULL, expired INTEGER NOT NULL,
  times INTEGER NOT NULL, due_at INTEGER);
CREATE TABLE IF NOT EXISTS callback_data (
  id INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL, version TEXT NOT NULL, data TEXT NOT NULL);
`

export interface StateRecord {
  nodeId: string
  rootId: string
  parentId: string
  name: StateName
  version: string
  loop: number
  innerLoop: number
  retry: number
  skip: boolean
  errorIgnored: boolean
  createdTime: number
  startedTime: number | null
  archivedTime: number | null
}

export interface ProcessRecord {
  id: number
  rootPipelineId: string
  parentId: number | null
  destinationId: string
  currentNodeId: string
  /** Root id first, then each entered SubProcess node id. */
  pipelineStack: string[]
  asleep: boolean
  suspended: boolean
  suspendedBy: string
  dead: boolean
  needAck: number
  ackNum: number
}

export type ScheduleType = 'CALLBACK' | 'POLL'

export interface ScheduleRecord {
  id: number
  processId: number
  nodeId: string
  version: string
  type: ScheduleType
  finished: boolean
  expired: boolean
  times: number
  /** When the next POLL is due (ms); null for callbacks and finished polls. */
  dueAt: number | null
}

export interface ExecutionData {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}

/** A node's input as the engine stores it: retry may replace them all. */
export interface DataInput {
  value: unknown
  needRender: boolean
}

export interface HistoryRecord {
  id: number
  nodeId: string
  startedTime: number | null
  archivedTime: number | null
  loop: number
  retry: number
  skip: boolean
  version: string
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
  operator: string
  createdTime: number
}

type Row = Record<string, SqlStorageValue>

const num = (v: SqlStorageValue | undefined) => Number(v)
const numOrNull = (v: SqlStorageValue | undefined) => (v === null || v === undefined ? null : Number(v))
const str = (v: SqlStorageValue | undefined) => String(v ?? '')
const bool = (v: SqlStorageValue | undefined) => Number(v) === 1
const json = <T>(v: SqlStorageValue | undefined) => JSON.parse(str(v)) as T

function toState(r: Row): StateRecord {
  return {
    nodeId: str(r.node_id),
    rootId: str(r.root_id),
    parentId: str(r.parent_id),
    name: str(r.name) as StateName,
    version: str(r.version),
    loop: num(r.loop),
    innerLoop: num(r.inner_loop),
    retry: num(r.retry),
    skip: bool(r.skip),
    errorIgnored: bool(r.error_ignored),
    createdTime: num(r.created_time),
    startedTime: numOrNull(r.started_time),
    archivedTime: numOrNull(r.archived_time),
  }
}

function toProcess(r: Row): ProcessRecord {
  return {
    id: num(r.id),
    rootPipelineId: str(r.root_pipeline_id),
    parentId: numOrNull(r.parent_id),
    destinationId: str(r.destination_id),
    currentNodeId: str(r.current_node_id),
    pipelineStack: json<string[]>(r.pipeline_stack),
    asleep: bool(r.asleep),
    suspended: bool(r.suspended),
    suspendedBy: str(r.suspended_by),
    dead: bool(r.dead),
    needAck: num(r.need_ack),
    ackNum: num(r.ack_num),
  }
}

function toSchedule(r: Row): ScheduleRecord {
  return {
    id: num(r.id),
    processId: num(r.process_id),
    nodeId: str(r.node_id),
    version: str(r.version),
    type: str(r.type) as ScheduleType,
    finished: bool(r.finished),
    expired: bool(r.expired),
    times: num(r.times),
    dueAt: numOrNull(r.due_at),
  }
}

const flag = (b: boolean) => (b ? 1 : 0)

export class Store {
  private readonly sql: SqlStorage

  constructor(sql: SqlStorage) {
    this.sql = sql
    this.sql.exec(SCHEMA)
  }

  private rows(query: string, ...args: SqlStorageValue[]): Row[] {
    return this.sql.exec<Row>(query, ...args).toArray()
  }

  // meta ---------------------------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    const row = this.rows('SELECT value FROM meta WHERE key = ?', key)[0]
    return row ? str(row.value) : undefined
  }

  setMeta(key: string, value: string): void {
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value)
  }

  // states -------------------------------------------------------------------------------------------

  state(nodeId: string): StateRecord | undefined {
    const row = this.rows('SELECT * FROM states WHERE node_id = ?', nodeId)[0]
    return row && toState(row)
  }

  /** In creation order, which the status tree's root entry depends on (engine-reference §6.1). */
  statesOfRoot(rootId: string): StateRecord[] {
    return this.rows('SELECT * FROM states WHERE root_id = ? ORDER BY rowid', rootId).map(toState)
  }

  putState(s: StateRecord): void {
    this.sql.exec(
      // An upsert, not a replace: the row keeps its place in creation order.
      `INSERT INTO states (node_id, root_id, parent_id, name, version, loop, inner_loop, retry, skip,
        error_ignored, created_time, started_time, archived_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id) DO UPDATE SET root_id = excluded.root_id, parent_id = excluded.parent_id,
        name = excluded.name, version = excluded.version, loop = excluded.loop, inner_loop = excluded.inner_loop,
        retry = excluded.retry, skip = excluded.skip, error_ignored = excluded.error_ignored,
        started_time = excluded.started_time, archived_time = excluded.archived_time`,
      s.nodeId, s.rootId, s.parentId, s.name, s.version, s.loop, s.innerLoop, s.retry, flag(s.skip),
      flag(s.errorIgnored), s.createdTime, s.startedTime, s.archivedTime,
    )
  }

  // execution data, data inputs, contexts ----------------------------------------------------------------

  executionData(nodeId: string): ExecutionData | undefined {
    const row = this.rows('SELECT inputs, outputs FROM execution_data WHERE node_id = ?', nodeId)[0]
    return row && { inputs: json(row.inputs), outputs: json(row.outputs) }
  }

  putExecutionData(nodeId: string, data: ExecutionData): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO execution_data (node_id, inputs, outputs) VALUES (?, ?, ?)',
      nodeId, JSON.stringify(data.inputs), JSON.stringify(data.outputs),
    )
  }

  dataInputs(nodeId: string): Record<string, DataInput> | undefined {
    const row = this.rows('SELECT inputs FROM data_inputs WHERE node_id = ?', nodeId)[0]
    return row && json(row.inputs)
  }

  putDataInputs(nodeId: string, inputs: Record<string, DataInput>): void {
    this.sql.exec('INSERT OR REPLACE INTO data_inputs (node_id, inputs) VALUES (?, ?)', nodeId, JSON.stringify(inputs))
  }

  context(pipelineId: string): Record<string, unknown> {
    const row = this.rows('SELECT vars FROM contexts WHERE pipeline_id = ?', pipelineId)[0]
    return row ? json(row.vars) : {}
  }

  putContext(pipelineId: string, vars: Record<string, unknown>): void {
    this.sql.exec('INSERT OR REPLACE INTO contexts (pipeline_id, vars) VALUES (?, ?)', pipelineId, JSON.stringify(vars))
  }

  // histories ----------------------------------------------------------------------------------------

  addHistory(h: Omit<HistoryRecord, 'id'>): void {
    this.sql.exec(
      `INSERT INTO histories (node_id, started_time, archived_time, loop, retry, skip, version, inputs, outputs,
        operator, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      h.nodeId, h.startedTime, h.archivedTime, h.loop, h.retry, flag(h.skip), h.version,
      JSON.stringify(h.inputs), JSON.stringify(h.outputs), h.operator, h.createdTime,
    )
  }

  /** A node's earlier executions, oldest first (get_task_node_detail's histories). */
  histories(nodeId: string): HistoryRecord[] {
    return this.rows('SELECT * FROM histories WHERE node_id = ? ORDER BY id', nodeId).map((r) => ({
      id: num(r.id),
      nodeId: str(r.node_id),
      startedTime: numOrNull(r.started_time),
      archivedTime: numOrNull(r.archived_time),
      loop: num(r.loop),
      retry: num(r.retry),
      skip: bool(r.skip),
      version: str(r.version),
      inputs: json<Record<string, unknown>>(r.inputs),
      outputs: json<Record<string, unknown>>(r.outputs),
      operator: str(r.operator),
      createdTime: num(r.created_time),
    }))
  }

  // processes ----------------------------------------------------------------------------------------

  /** A new process: awake, not suspended, alive, waiting for no children. */
  createProcess(p: Pick<ProcessRecord, 'rootPipelineId' | 'parentId' | 'destinationId' | 'currentNodeId' | 'pipelineStack'>): number {
    const row = this.rows(
      `INSERT INTO processes (root_pipeline_id, parent_id, destination_id, current_node_id, pipeline_stack, asleep,
        suspended, suspended_by, dead, need_ack, ack_num) VALUES (?, ?, ?, ?, ?, 0, 0, '', 0, -1, 0) RETURNING id`,
      p.rootPipelineId, p.parentId, p.destinationId, p.currentNodeId, JSON.stringify(p.pipelineStack),
    )[0]
    return num(row?.id)
  }

  process(id: number): ProcessRecord {
    const row = this.rows('SELECT * FROM processes WHERE id = ?', id)[0]
    if (!row) throw new Error(`process ${id} does not exist`)
    return toProcess(row)
  }

  updateProcess(p: ProcessRecord): void {
    this.sql.exec(
      `UPDATE processes SET current_node_id = ?, pipeline_stack = ?, asleep = ?, suspended = ?, suspended_by = ?,
        dead = ?, need_ack = ?, ack_num = ? WHERE id = ?`,
      p.currentNodeId, JSON.stringify(p.pipelineStack), flag(p.asleep), flag(p.suspended), p.suspendedBy,
      flag(p.dead), p.needAck, p.ackNum, p.id,
    )
  }

  /** A live, sleeping process standing at the node (the precondition of most node operations). */
  sleepingProcessAt(nodeId: string): ProcessRecord | undefined {
    const row = this.rows(
      'SELECT * FROM processes WHERE current_node_id = ? AND asleep = 1 AND dead = 0 ORDER BY id LIMIT 1',
      nodeId,
    )[0]
    return row && toProcess(row)
  }

  liveProcessAt(nodeId: string): ProcessRecord | undefined {
    const row = this.rows('SELECT * FROM processes WHERE current_node_id = ? AND dead = 0 ORDER BY id LIMIT 1', nodeId)[0]
    return row && toProcess(row)
  }

  processesSuspendedBy(id: string): ProcessRecord[] {
    return this.rows('SELECT * FROM processes WHERE suspended = 1 AND suspended_by = ? ORDER BY id', id).map(toProcess)
  }

  // schedules and callback data ------------------------------------------------------------------------

  createSchedule(s: Omit<ScheduleRecord, 'id'>): number {
    const row = this.rows(
      `INSERT INTO schedules (process_id, node_id, version, type, finished, expired, times, due_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      s.processId, s.nodeId, s.version, s.type, flag(s.finished), flag(s.expired), s.times, s.dueAt,
    )[0]
    return num(row?.id)
  }

  schedule(id: number): ScheduleRecord {
    const row = this.rows('SELECT * FROM schedules WHERE id = ?', id)[0]
    if (!row) throw new Error(`schedule ${id} does not exist`)
    return toSchedule(row)
  }

  scheduleOf(nodeId: string, version: string): ScheduleRecord | undefined {
    const row = this.rows('SELECT * FROM schedules WHERE node_id = ? AND version = ? ORDER BY id DESC LIMIT 1', nodeId, version)[0]
    return row && toSchedule(row)
  }

  updateSchedule(s: ScheduleRecord): void {
    this.sql.exec(
      'UPDATE schedules SET finished = ?, expired = ?, times = ?, due_at = ? WHERE id = ?',
      flag(s.finished), flag(s.expired), s.times, s.dueAt, s.id,
    )
  }

  /** Polls that are waiting for their time, soonest first. */
  pendingPolls(): ScheduleRecord[] {
    return this.rows(
      'SELECT * FROM schedules WHERE due_at IS NOT NULL AND finished = 0 AND expired = 0 ORDER BY due_at, id',
    ).map(toSchedule)
  }

  addCallbackData(nodeId: string, version: string, data: unknown): number {
    const row = this.rows(
      'INSERT INTO callback_data (node_id, version, data) VALUES (?, ?, ?) RETURNING id',
      nodeId, version, JSON.stringify(data ?? null),
    )[0]
    return num(row?.id)
  }

  callbackData(id: number): unknown {
    const row = this.rows('SELECT data FROM callback_data WHERE id = ?', id)[0]
    return row ? json(row.data) : undefined
  }
}
