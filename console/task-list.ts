/**
 * A business's tasks, newest first, a page at a time (get_task_list), each with its state
 * (get_tasks_status) and a link that opens it in the console.
 */
import { h } from './dom.ts'
import type { Gateway } from './gateway.ts'
import { renderOutcome } from './outcome.ts'
import { formatSopsTime } from './time.ts'

/** get_tasks_status answers at most 50: a page's states are one call. */
const PAGE_SIZE = 20

/** Shows the page of `bizId`'s tasks that starts at `offset` in `panel`. */
export async function showTaskList(panel: HTMLElement, api: Gateway, bizId: string, offset = 0): Promise<void> {
  const heading = h('h3', { id: 'task-list-title', tabindex: -1 }, `Tasks of business ${bizId}`)
  const body = h('div', {}, h('p', { class: 'hint' }, 'Reading the tasks…'))
  panel.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'task-list-title' }, heading, body))
  heading.focus()
  const listed = await api.taskList(bizId, { limit: PAGE_SIZE, offset })
  if (!panel.contains(body)) return // another list or form replaced it meanwhile
  if (listed.kind !== 'done') return void body.replaceChildren(renderOutcome(`get_task_list ${bizId}`, listed))
  const tasks = listed.data
  if (tasks.length === 0) return void body.replaceChildren(h('p', { class: 'hint' }, offset === 0 ? 'This business has no task yet.' : 'No more tasks.'))
  const states = await api.tasksStatus(bizId, tasks.map((task) => task.id))
  const stateOf = new Map(states.kind === 'done' ? states.data.map((entry) => [entry.id, entry.status.state]) : [])
  const count = typeof listed.answer.count === 'number' ? listed.answer.count : undefined
  const turn = (label: string, to: number, disabled: boolean) => {
    const button = h('button', { type: 'button', disabled }, label)
    button.addEventListener('click', () => void showTaskList(panel, api, bizId, to).then(() => panel.querySelector<HTMLElement>('#task-list-title')?.focus()))
    return button
  }
  body.replaceChildren(
    h(
      'table',
      { class: 'task-list' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Created'))),
      h(
        'tbody',
        {},
        ...tasks.map((task) => {
          const state = stateOf.get(task.id) ?? (task.is_finished ? 'FINISHED' : task.is_started ? 'started' : 'CREATED')
          return h(
            'tr',
            {},
            h('td', {}, h('a', { href: `#${bizId}/${task.id}` }, task.name), ' ', h('span', { class: 'meta' }, `task ${task.id}`)),
            h('td', {}, h('span', { class: `state state-${state}` }, state)),
            h('td', {}, formatSopsTime(task.create_time)),
          )
        }),
      ),
    ),
    states.kind === 'done' ? '' : renderOutcome("The tasks' states (get_tasks_status)", states),
    h(
      'p',
      { class: 'row' },
      turn('Newer tasks', Math.max(0, offset - PAGE_SIZE), offset === 0),
      h('span', { class: 'meta' }, `Tasks ${offset + 1}–${offset + tasks.length}${count === undefined ? '' : ` of ${count}`}`),
      turn('Older tasks', offset + PAGE_SIZE, count === undefined ? tasks.length < PAGE_SIZE : offset + tasks.length >= count),
    ),
  )
}
