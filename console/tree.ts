/**
 * The task drawn as boxes: each node in the order SOPS lists them (the order they were reached), its
 * state in colour and in words, its retries and skip, its error; a subprocess holds its own nodes;
 * events and gateways are small diamonds. Every operation is a button named `<action> <node_id>`.
 */
import type { TaskStatus } from 'sops-edge/client'
import { TASK_ACTIONS, kindOf, nodeActions, sopsType, taskActionApplies } from './actions.ts'
import { h } from './dom.ts'
import type { NodeAction, TaskAction, TaskIds } from './gateway.ts'
import { formatSopsTime, formatTime } from './time.ts'

export interface TreeHandlers {
  onNodeAction(action: NodeAction, nodeId: string): void
  onTaskAction(action: TaskAction): void
  /** Open the node panel; `stack` is the subprocess nodes the node is inside, outermost first. */
  onNodeDetails(nodeId: string, stack: readonly string[]): void
}

export interface TaskView {
  ids: TaskIds
  status: TaskStatus
  /** When the status was read, and whether the console keeps refreshing it. */
  updatedAt: Date
  refreshing: boolean
}

const stateBadge = (state: string) => h('span', { class: `state state-${state}` }, state)

export function renderTask(view: TaskView, handlers: TreeHandlers): HTMLElement {
  const { status, ids } = view
  const errors = (status.ex_data ?? {}) as Record<string, unknown>
  const title = status.name ? `${status.name}` : `Task ${ids.task_id}`
  return h(
    'article',
    { class: 'task', 'aria-labelledby': 'task-name' },
    h(
      'header',
      { class: 'task-head' },
      h('h3', { id: 'task-name', tabindex: -1 }, title, ' ', stateBadge(status.state)),
      h('p', { class: 'meta' }, `Task ${ids.task_id} · business ${ids.bk_biz_id}`, timing(status)),
      h(
        'p',
        { class: 'meta freshness' },
        `Updated ${formatTime(view.updatedAt)}`,
        view.refreshing ? ' · refreshing while the task runs' : '',
      ),
      h(
        'p',
        { class: 'actions' },
        ...TASK_ACTIONS.map((action) =>
          button(`${action} task`, `task:${action}`, () => handlers.onTaskAction(action), !taskActionApplies(action, status.state)),
        ),
      ),
    ),
    flow(status.children ?? {}, { errors, handlers, pipelineState: status.state, taskState: status.state, stack: [] }),
  )
}

interface FlowContext {
  errors: Record<string, unknown>
  handlers: TreeHandlers
  /** The state of the pipeline (task or subprocess) these nodes belong to, and of the task. */
  pipelineState: string
  taskState: string
  /** The subprocess nodes these nodes are inside, outermost first. */
  stack: readonly string[]
}

function flow(children: Record<string, TaskStatus>, context: FlowContext): HTMLElement {
  const entries = Object.entries(children)
  if (entries.length === 0) return h('p', { class: 'hint' }, 'No node has been reached yet.')
  return h(
    'ol',
    { class: 'flow' },
    ...entries.map(([id, entry], index) => node(id, entry, { first: index === 0, last: index === entries.length - 1 }, context)),
  )
}

function node(id: string, entry: TaskStatus, position: { first: boolean; last: boolean }, context: FlowContext): HTMLElement {
  const { errors, handlers, taskState, stack } = context
  const kind = kindOf(entry)
  const error = errors[id]
  const label = sopsType(entry, { ...position, pipelineState: context.pipelineState })
  return h(
    'li',
    { class: `node node-${kind} is-${entry.state}`, 'data-node': id },
    h(
      'section',
      { class: 'card', 'aria-label': `${label} ${id}` },
      h('p', { class: 'node-title' }, entry.name ? h('strong', {}, entry.name) : h('span', { class: 'kind' }, label), ' ', h('code', {}, id)),
      h('p', { class: 'node-state' }, stateBadge(entry.state), kind !== 'control' && ` ${label}`),
      kind !== 'control' && h('p', { class: 'counts' }, `retried ${entry.retry ?? 0}×`, entry.skip ? ' · skipped' : ''),
      error !== undefined && error !== '' && h('p', { class: 'node-error' }, typeof error === 'string' ? error : JSON.stringify(error)),
      actions(id, entry, taskState, stack, handlers),
    ),
    kind === 'subprocess' && flow(entry.children ?? {}, { ...context, pipelineState: entry.state, stack: [...stack, id] }),
  )
}

/** The operations SOPS would accept on the node now, and its details (inputs, outputs, log). */
function actions(id: string, entry: TaskStatus, taskState: string, stack: readonly string[], handlers: TreeHandlers): HTMLElement {
  return h(
    'p',
    { class: 'actions' },
    ...nodeActions(entry, taskState).map((action) => button(`${action} ${id}`, `node:${action}:${id}`, () => handlers.onNodeAction(action, id))),
    button(`details ${id}`, `details:${id}`, () => handlers.onNodeDetails(id, stack)),
  )
}

/** `key` lets a refresh put the keyboard focus back on the same button. */
function button(name: string, key: string, onClick: () => void, disabled = false): HTMLButtonElement {
  const element = h('button', { type: 'button', 'data-key': key, disabled }, name)
  element.addEventListener('click', onClick)
  return element
}

function timing(status: TaskStatus): string {
  const parts = [
    status.start_time && `started ${formatSopsTime(status.start_time)}`,
    status.finish_time && `finished ${formatSopsTime(status.finish_time)}`,
    status.elapsed_time !== undefined && `${status.elapsed_time} s`,
  ].filter(Boolean)
  return parts.length > 0 ? ` · ${parts.join(' · ')}` : ''
}
