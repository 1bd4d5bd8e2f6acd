/**
 * The questions an operation may need answered first: whether to run an operation that cannot be
 * undone, the `data` of a callback (a small JSON editor) and the flow a failed gateway should take.
 * Modal dialogs: Escape or Cancel answers nothing.
 */
import { byId, h, showProblem } from './dom.ts'
import type { OutgoingFlow } from './gateway-flows.ts'

/**
 * Opens the dialog and resolves with what `read` makes of it when the operator sends, or undefined
 * when they cancel. `read` returns a problem to show instead, and the dialog stays open.
 */
function ask<T>(dialogId: string, subject: string, read: () => { value: T } | { problem: string }, problemId: string): Promise<T | undefined> {
  const dialog = byId(dialogId, HTMLDialogElement)
  const form = dialog.querySelector('form')
  const problem = byId(problemId, HTMLElement)
  for (const ref of dialog.querySelectorAll('.node-ref')) ref.textContent = subject
  showProblem(problem, undefined)
  return new Promise((resolve) => {
    let answer: T | undefined
    const onSubmit = (event: SubmitEvent) => {
      if ((event.submitter as HTMLButtonElement | null)?.value !== 'send') return
      const read_ = read()
      if ('problem' in read_) {
        event.preventDefault()
        showProblem(problem, read_.problem)
        return
      }
      answer = read_.value
    }
    form?.addEventListener('submit', onSubmit)
    dialog.addEventListener(
      'close',
      () => {
        form?.removeEventListener('submit', onSubmit)
        resolve(answer)
      },
      { once: true },
    )
    dialog.showModal()
  })
}

export function askCallbackData(nodeId: string): Promise<Record<string, unknown> | undefined> {
  const editor = byId('callback-data', HTMLTextAreaElement)
  if (editor.value.trim() === '') editor.value = '{}'
  return ask(
    'callback-dialog',
    nodeId,
    () => {
      let data: unknown
      try {
        data = JSON.parse(editor.value)
      } catch (error) {
        return { problem: `Not valid JSON: ${(error as Error).message}` }
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: 'The callback data must be a JSON object, e.g. {"approved": true}.' }
      return { value: data as Record<string, unknown> }
    },
    'callback-problem',
  )
}

/** Flow ids the gateway's failure names (e.g. `multiple conditions meet: ['f1', 'f2']`). */
const flowsNamedIn = (error: unknown) =>
  typeof error === 'string' ? [...new Set([...error.matchAll(/'([A-Za-z0-9_-]+)'/g)].map((m) => m[1]!))] : []

/**
 * The flow a failed gateway should take: chosen from its outgoing flows when the task's detail lists
 * them, else typed (with the flows its error names offered), under why they are not listed.
 */
export function askFlow(nodeId: string, error: unknown, listed: { flows: OutgoingFlow[] } | { failure: HTMLElement }): Promise<string | undefined> {
  const choices = byId('flow-choices', HTMLFieldSetElement)
  choices.hidden = !('flows' in listed)
  byId('flow-typed', HTMLElement).hidden = 'flows' in listed
  if ('flows' in listed) {
    choices.replaceChildren(h('legend', {}, 'Flow to take'), ...listed.flows.map(flowChoice))
    return ask(
      'flow-dialog',
      nodeId,
      () => {
        const chosen = choices.querySelector<HTMLInputElement>('input:checked')
        return chosen ? { value: chosen.value } : { problem: 'Choose the flow to take.' }
      },
      'flow-problem',
    )
  }
  byId('flow-unlisted', HTMLElement).replaceChildren(listed.failure)
  const input = byId('flow-id', HTMLInputElement)
  const suggestions = flowsNamedIn(error)
  byId('flow-suggestions', HTMLDataListElement).replaceChildren(...suggestions.map((flow) => h('option', { value: flow })))
  input.value = suggestions.length === 1 ? suggestions[0]! : ''
  return ask(
    'flow-dialog',
    nodeId,
    () => (/^\S+$/.test(input.value.trim()) ? { value: input.value.trim() } : { problem: 'Enter the id of one outgoing flow.' }),
    'flow-problem',
  )
}

/** `flow_ok → Deploy to production (deploy_prod)`, then its condition: one radio button. */
const flowChoice = (flow: OutgoingFlow) =>
  h(
    'label',
    { class: 'choice' },
    h('input', { type: 'radio', name: 'flow', value: flow.id }),
    h('span', {}, h('code', {}, flow.id), ' → ', flow.targetName ? `${flow.targetName} ` : '', '(', h('code', {}, flow.target), ')'),
    flow.condition && h('span', { class: 'meta' }, `${flow.condition.name ? `${flow.condition.name}: ` : ''}${flow.condition.evaluate}`),
    flow.isDefault && h('span', { class: 'meta' }, 'the default flow'),
  )

/** Asks before `operation` (e.g. `revoke task 12 "Deploy"`); resolves true only when the operator confirms it. */
export async function confirmOperation(operation: string): Promise<boolean> {
  byId('confirm-button', HTMLButtonElement).textContent = operation
  return (await ask('confirm-dialog', operation, () => ({ value: true }), 'confirm-problem')) === true
}
