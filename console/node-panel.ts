/**
 * The node panel: a node's state, inputs and outputs (get_task_node_detail) and its log
 * (get_task_node_log), a bounded page of lines at a time. It stays open while the tree refreshes.
 */
import { h } from './dom.ts'
import type { Gateway, Outcome, TaskIds } from './gateway.ts'
import { renderOutcome } from './outcome.ts'
import { formatSopsTime } from './time.ts'

const LOG_PAGE_LINES = 200

export interface NodeRef {
  ids: TaskIds
  nodeId: string
  /** The subprocess nodes it is inside, outermost first. */
  stack: readonly string[]
}

const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2))

/** Shows `node` in `panel`, and moves the keyboard focus to it. */
export async function showNode(panel: HTMLElement, api: Gateway, node: NodeRef): Promise<void> {
  const { ids, nodeId } = node
  const heading = h('h3', { id: 'node-panel-title', tabindex: -1 }, 'Node ', h('code', {}, nodeId), ` of task ${ids.task_id}`)
  const close = h('button', { type: 'button' }, `Close details of ${nodeId}`)
  close.addEventListener('click', () => panel.replaceChildren())
  const body = h('div', {}, `Reading ${nodeId}…`)
  panel.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'node-panel-title' }, h('header', { class: 'panel-head' }, heading, close), body))
  heading.focus()
  const outcome = await api.nodeDetail(ids, nodeId, node.stack)
  if (!panel.contains(body)) return // closed, or another node opened meanwhile
  if (outcome.kind !== 'done') return body.replaceChildren(renderOutcome(`get_task_node_detail ${nodeId}`, outcome))
  const detail = outcome.data
  const log = h('div', { class: 'log' })
  body.replaceChildren(
    h(
      'p',
      { class: 'meta' },
      h('span', { class: `state state-${detail.state}` }, detail.state),
      ` · retried ${detail.retry}×`,
      detail.skip ? ' · skipped' : '',
      detail.start_time ? ` · started ${formatSopsTime(detail.start_time)}` : '',
      detail.finish_time ? ` · finished ${formatSopsTime(detail.finish_time)}` : '',
      detail.histories.length > 0 ? ` · ${detail.histories.length} earlier attempts` : '',
    ),
    detail.ex_data === '' || detail.ex_data === null || detail.ex_data === undefined ? '' : h('p', { class: 'node-error' }, json(detail.ex_data)),
    h('h4', {}, 'Inputs'),
    fields(Object.entries(detail.inputs).map(([key, value]) => ({ key, value })), 'No inputs.'),
    h('h4', {}, 'Outputs'),
    fields(detail.outputs.map((output) => ({ key: String(output.key ?? ''), name: typeof output.name === 'string' ? output.name : undefined, value: output.value })), 'No outputs.'),
    h('h4', { id: 'node-log-title' }, 'Log'),
    log,
  )
  if (typeof detail.version === 'string') await showLog(log, api, node, detail.version, 1)
  else log.replaceChildren(h('p', { class: 'hint' }, 'SOPS names no execution version of this node, so it has no log to read.'))
}

function fields(entries: { key: string; name?: string | undefined; value: unknown }[], none: string): HTMLElement {
  if (entries.length === 0) return h('p', { class: 'hint' }, none)
  return h(
    'dl',
    { class: 'fields' },
    ...entries.flatMap(({ key, name, value }) => [
      h('dt', {}, name ? `${name} ` : '', h('code', {}, key)),
      h('dd', {}, h('pre', {}, json(value))),
    ]),
  )
}

/** One page of the log, with buttons to the pages before and after it. */
async function showLog(log: HTMLElement, api: Gateway, node: NodeRef, version: string, page: number): Promise<void> {
  log.replaceChildren(h('p', { class: 'hint' }, 'Reading the log…'))
  const outcome: Outcome<string> = await api.nodeLog(node.ids, node.nodeId, version, { page, page_size: LOG_PAGE_LINES })
  if (outcome.kind !== 'done') return void log.replaceChildren(renderOutcome(`get_task_node_log ${node.nodeId}`, outcome))
  const total = pageTotal(outcome.answer.page)
  const pages = Math.max(1, Math.ceil(total / LOG_PAGE_LINES))
  const turn = (label: string, to: number) => {
    const button = h('button', { type: 'button', disabled: to < 1 || to > pages }, label)
    button.addEventListener('click', () => void showLog(log, api, node, version, to).then(() => log.querySelector('pre')?.focus()))
    return button
  }
  log.replaceChildren(
    outcome.data === ''
      ? h('p', { class: 'hint' }, 'The log is empty.')
      : h('pre', { class: 'log-text', tabindex: 0, 'aria-labelledby': 'node-log-title' }, outcome.data),
    pages <= 1
      ? ''
      : h(
        'p',
        { class: 'row' },
        turn('Earlier log lines', page - 1),
        h('span', { class: 'meta' }, `Page ${page} of ${pages} (${total} lines)`),
        turn('Later log lines', page + 1),
      ),
  )
}

/** SOPS's `page: {page, page_size, total}` beside a log's data; 0 when it is missing. */
const pageTotal = (page: unknown) => {
  const total = typeof page === 'object' && page !== null ? (page as { total?: unknown }).total : undefined
  return typeof total === 'number' && Number.isSafeInteger(total) && total > 0 ? total : 0
}
