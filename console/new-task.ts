/**
 * The New task form: a template of the business (get_template_list), its constants as inputs
 * (get_template_info), then create_task and, once it is created, Start (start_task). Each write carries
 * an Idempotency-Key, so a repeated press creates or starts one task.
 */
import { h, showProblem } from './dom.ts'
import type { Gateway, TaskIds } from './gateway.ts'
import { renderOutcome } from './outcome.ts'

/** SOPS's task name limit, and a bound on each constant's value as typed. */
const NAME_MAX = 100
const VALUE_MAX = 10_000

interface Constant {
  key: string
  name: string
  value: unknown
  customType: string
}

/** The constants the operator sets when creating a task: those the template shows. */
function shownConstants(tree: Record<string, unknown>): Constant[] {
  const constants = typeof tree.constants === 'object' && tree.constants !== null ? Object.values(tree.constants) : []
  return constants
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null && typeof c.key === 'string' && c.show_type !== 'hide')
    .map((c) => ({ key: c.key as string, name: typeof c.name === 'string' ? c.name : '', value: c.value, customType: typeof c.custom_type === 'string' ? c.custom_type : '' }))
}

/** One input per constant; `read` gives its value as create_task takes it, or what is wrong with it. */
function constantField(constant: Constant, index: number): { key: string; element: HTMLElement; read(): { value: unknown } | { problem: string } } {
  const id = `constant-${index}`
  const label = h('label', { for: id }, constant.name || constant.key, ' ', h('code', {}, constant.key))
  if (constant.customType === 'int') {
    const input = h('input', { id, type: 'number', step: 1, required: true, value: String(constant.value ?? '') })
    const read = () =>
      /^-?\d{1,15}$/.test(input.value.trim()) ? { value: Number(input.value.trim()) } : { problem: `${constant.name || constant.key}: enter a whole number.` }
    return { key: constant.key, element: h('p', { class: 'field' }, label, input), read }
  }
  if (typeof constant.value === 'string' || constant.value === undefined || constant.value === null) {
    const attributes = { id, maxlength: VALUE_MAX }
    const input = constant.customType === 'textarea' ? h('textarea', { ...attributes, rows: 3 }) : h('input', { ...attributes, autocomplete: 'off' })
    input.value = constant.value ?? ''
    return { key: constant.key, element: h('p', { class: 'field' }, label, input), read: () => ({ value: input.value }) }
  }
  // Any other value (a list, an object, a number of a custom type) is edited as JSON.
  const editor = h('textarea', { id, rows: 3, maxlength: VALUE_MAX, spellcheck: false })
  editor.value = JSON.stringify(constant.value)
  label.append(' (JSON)')
  const read = () => {
    try {
      return { value: JSON.parse(editor.value) as unknown }
    } catch {
      return { problem: `${constant.name || constant.key}: not valid JSON.` }
    }
  }
  return { key: constant.key, element: h('p', { class: 'field' }, label, editor), read }
}

/** Shows the form for a task of `bizId` in `panel`; `openTask` shows a task in the console's tree. */
export async function showNewTask(panel: HTMLElement, api: Gateway, bizId: string, openTask: (ids: TaskIds) => void): Promise<void> {
  const heading = h('h3', { id: 'new-task-title', tabindex: -1 }, `New task in business ${bizId}`)
  const body = h('div', {}, h('p', { class: 'hint' }, 'Reading the templates…'))
  panel.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'new-task-title' }, heading, body))
  heading.focus()
  const listed = await api.templates(bizId)
  if (!panel.contains(body)) return
  if (listed.kind !== 'done') return void body.replaceChildren(renderOutcome(`get_template_list ${bizId}`, listed))
  if (listed.data.length === 0) return void body.replaceChildren(h('p', { class: 'hint' }, 'This business has no flow template.'))

  const template = h(
    'select',
    { id: 'new-task-template', required: true },
    h('option', { value: '' }, 'Choose a template'),
    ...listed.data.map((t) => h('option', { value: String(t.id) }, `${t.name} (template ${t.id})`)),
  )
  const name = h('input', { id: 'new-task-name', required: true, maxlength: NAME_MAX, autocomplete: 'off' })
  const constants = h('div', {})
  const problem = h('p', { id: 'new-task-problem', class: 'problem', role: 'alert', hidden: true })
  const create = h('button', { type: 'submit', disabled: true }, 'Create task')
  const result = h('div', { role: 'status' })
  const form = h(
    'form',
    { 'aria-describedby': 'new-task-problem' },
    h('p', { class: 'field' }, h('label', { for: 'new-task-template' }, 'Template'), template),
    constants,
    h('p', { class: 'field' }, h('label', { for: 'new-task-name' }, 'Task name'), name),
    problem,
    create,
  )
  body.replaceChildren(form, result)

  let fields: ReturnType<typeof constantField>[] = []
  template.addEventListener('change', async () => {
    const templateId = template.value
    fields = []
    create.disabled = true
    showProblem(problem, undefined)
    if (templateId === '') return void constants.replaceChildren()
    constants.replaceChildren(h('p', { class: 'hint' }, 'Reading the template…'))
    const info = await api.template(bizId, templateId)
    if (template.value !== templateId) return // another template was chosen meanwhile
    if (info.kind !== 'done') return void constants.replaceChildren(renderOutcome(`get_template_info ${templateId}`, info))
    fields = shownConstants(info.data.pipeline_tree).map(constantField)
    constants.replaceChildren(
      fields.length === 0
        ? h('p', { class: 'hint' }, 'This template has no constants to set.')
        : h('fieldset', {}, h('legend', {}, `Constants of ${info.data.name}`), ...fields.map((field) => field.element)),
    )
    name.value ||= info.data.name.slice(0, NAME_MAX)
    create.disabled = false
  })

  // One key per filled-in form: pressing Create again after an unanswered press repeats the same request.
  let idempotencyKey = crypto.randomUUID()
  form.addEventListener('input', () => (idempotencyKey = crypto.randomUUID()))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (!form.reportValidity()) return
    const values: Record<string, unknown> = {}
    for (const field of fields) {
      const read = field.read()
      if ('problem' in read) return showProblem(problem, read.problem)
      values[field.key] = read.value
    }
    showProblem(problem, undefined)
    const [templateId, taskName] = [template.value, name.value.trim()]
    create.disabled = true
    result.replaceChildren(`Creating ${taskName}…`)
    const created = await api.createTask(bizId, templateId, { name: taskName, constants: values }, idempotencyKey)
    create.disabled = false
    if (created.kind !== 'done') return void result.replaceChildren(renderOutcome(`create_task from template ${templateId}`, created))
    const ids = { bk_biz_id: bizId, task_id: String(created.data.task_id) }
    result.replaceChildren(startable(api, ids, taskName, openTask))
    idempotencyKey = crypto.randomUUID() // the next press creates another task
    openTask(ids)
  })
}

/** What creating a task answers: the task, and a Start button for it. */
function startable(api: Gateway, ids: TaskIds, taskName: string, openTask: (ids: TaskIds) => void): HTMLElement {
  const label = `Start task ${ids.task_id}`
  const start = h('button', { type: 'button' }, label)
  const outcome = h('div', {})
  const idempotencyKey = crypto.randomUUID()
  start.addEventListener('click', async () => {
    start.disabled = true
    outcome.replaceChildren(`${label}…`)
    const started = await api.startTask(ids, idempotencyKey)
    outcome.replaceChildren(renderOutcome(label, started))
    if (started.kind === 'done') openTask(ids)
    else start.disabled = false
  })
  return h('div', {}, h('p', { class: 'ok' }, `Created "${taskName}" (task ${ids.task_id}).`), h('p', { class: 'row' }, start), outcome)
}
