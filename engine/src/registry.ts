/**
 * EngineRegistry: the one object that knows SOPS projects (and the CMDB business each belongs to) and
 * hands out task ids. Project ids are SOPS's own and differ from business ids (business 2 → project 1).
 */
import { DurableObject } from 'cloudflare:workers'

export interface Project {
  id: number
  bizId: string
  name: string
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS projects (
  id INTEGER PRIMARY KEY AUTOINCREMENT, bk_biz_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, created_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, project_id INTEGER NOT NULL, name TEXT NOT NULL, created_time INTEGER NOT NULL);
`

type Row = Record<string, SqlStorageValue>

const toProject = (r: Row): Project => ({ id: Number(r.id), bizId: String(r.bk_biz_id), name: String(r.name) })

/** It reads no bindings, so it does not depend on the engine's env (./env.ts names this class). */
export class EngineRegistry extends DurableObject<unknown> {
  private readonly sql: SqlStorage

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(SCHEMA)
  }

  /** SOPS's get_project_with: `cmdb_biz` looks the id up as a business id, any other scope as a project id. */
  findProject(id: string, scope: string): Project | null {
    const column = scope === 'cmdb_biz' ? 'bk_biz_id' : 'id'
    const row = this.sql.exec<Row>(`SELECT * FROM projects WHERE ${column} = ?`, id).toArray()[0]
    return row ? toProject(row) : null
  }

  /** The business's project, created the first time a task is created there. */
  ensureBusinessProject(bizId: string): Project {
    this.sql.exec(
      'INSERT OR IGNORE INTO projects (bk_biz_id, name, created_time) VALUES (?, ?, ?)',
      bizId, `business ${bizId}`, Date.now(),
    )
    return this.findProject(bizId, 'cmdb_biz') as Project
  }

  /** The project's task ids, newest first (get_task_list filters and pages them). */
  taskIds(projectId: number): number[] {
    return this.sql.exec<Row>('SELECT id FROM tasks WHERE project_id = ? ORDER BY id DESC', projectId).toArray().map((r) => Number(r.id))
  }

  /** Every project (get_user_project_list: this engine knows no per-user grants). */
  projects(): Project[] {
    return this.sql.exec<Row>('SELECT * FROM projects ORDER BY id').toArray().map(toProject)
  }

  /** A new task id, or the given one (demo tasks have fixed ids; registering one again changes nothing). */
  registerTask(projectId: number, name: string, taskId?: number): number {
    const row = this.sql
      .exec<Row>(
        'INSERT INTO tasks (id, project_id, name, created_time) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id',
        taskId ?? null, projectId, name, Date.now(),
      )
      .toArray()[0]
    return row ? Number(row.id) : (taskId as number)
  }
}
