/**
 * The operator console at /console/: sign in (./session.ts), open a task by business and task id,
 * watch its node tree, and operate on it. Every call goes through `sops-edge/client` (./gateway.ts).
 */
import type { PkceLogin, TaskStatus } from 'sops-edge/client'
import { DESTRUCTIVE, isMoving } from './actions.ts'
import { askCallbackData, askFlow, confirmOperation } from './dialogs.ts'
import { byId, showProblem } from './dom.ts'
import { readOutgoingFlows } from './gateway-flows.ts'
import { type Gateway, type NodeAction, type NodeCommand, type Outcome, type TaskAction, type TaskIds, gateway } from './gateway.ts'
import { showNewTask } from './new-task.ts'
import { showNode } from './node-panel.ts'
import { renderOutcome } from './outcome.ts'
import { consoleLogin, errorText, finishSignIn, startSignIn } from './session.ts'
import { showTaskList } from './task-list.ts'
import { renderTask } from './tree.ts'

const page = {
  signIn: byId('sign-in', HTMLElement),
  signInButton: byId('sign-in-button', HTMLButtonElement),
  signInProblem: byId('sign-in-problem', HTMLElement),
  workspace: byId('workspace', HTMLElement),
  signOut: byId('sign-out', HTMLButtonElement),
  loadForm: byId('load-form', HTMLFormElement),
  bizId: byId('biz-id', HTMLInputElement),
  taskId: byId('task-id', HTMLInputElement),
  outcome: byId('outcome', HTMLElement),
  task: byId('task', HTMLElement),
  businessPanel: byId('business-panel', HTMLElement),
  nodePanel: byId('node-panel', HTMLElement),
}

let login: PkceLogin | undefined
let api: Gateway | undefined
let ids: TaskIds | undefined
let status: TaskStatus | undefined
/** Ends the live status stream of the open task. */
let watching: AbortController | undefined

function signedIn(current: PkceLogin) {
  const refused = 'The gateway refused the access token (signed out elsewhere, or access revoked): sign in again.'
  api = gateway({ accessToken: () => sessionToken(current) }, () => void signOut(refused))
  page.signIn.hidden = true
  page.workspace.hidden = page.signOut.hidden = false
}

/** The access token of each call, refreshed when it expires; when the sign-in has ended, back to Sign in. */
async function sessionToken(current: PkceLogin): Promise<string> {
  try {
    return await current.accessToken()
  } catch (error) {
    if (!current.signedIn()) signedOut(errorText(error))
    throw error
  }
}

/** Revokes the tokens at the gateway and forgets them; `reason` says why when the operator did not ask. */
async function signOut(reason?: string) {
  let problem = reason
  try {
    await login?.signOut()
  } catch (error) {
    problem = errorText(error)
  }
  signedOut(problem)
}

function signedOut(problem?: string) {
  api = ids = status = undefined
  watching?.abort()
  for (const area of [page.task, page.outcome, page.businessPanel, page.nodePanel]) area.replaceChildren()
  showProblem(page.signInProblem, problem)
  page.signIn.hidden = false
  page.workspace.hidden = page.signOut.hidden = true
  page.signInButton.focus()
}

/** Reads the task's status and draws it. */
async function refresh(announce?: string) {
  if (!api || !ids) return
  const current = ids
  const outcome = await api.status(current)
  if (ids !== current) return // another task was opened meanwhile
  if (announce !== undefined || outcome.kind !== 'done') page.outcome.replaceChildren(renderOutcome(announce ?? 'Refresh', outcome))
  if (outcome.kind === 'done') draw(outcome.data)
}

/** Draws each change of the open task as the gateway pushes it, until another task is opened. */
function watch() {
  watching?.abort()
  if (!api || !ids) return
  const current = ids
  watching = new AbortController()
  void api.watch(current, { onStatus: (next) => ids === current && draw(next), signal: watching.signal })
}

/** Redraws the tree, keeping the keyboard focus on the same button when it is still there. */
function draw(next: TaskStatus) {
  if (!ids) return
  status = next
  const focusedKey = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.key : undefined
  const view = { ids, status: next, updatedAt: new Date(), refreshing: isMoving(next.state) }
  const shown = ids
  const handlers = {
    onNodeAction: (action: NodeAction, nodeId: string) => void operateNode(action, nodeId),
    onTaskAction: (action: TaskAction) => void operateTask(action),
    onNodeDetails: (nodeId: string, stack: readonly string[]) => api && void showNode(page.nodePanel, api, { ids: shown, nodeId, stack }),
  }
  page.task.replaceChildren(renderTask(view, handlers))
  if (focusedKey) page.task.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus()
}

async function perform(label: string, call: () => Promise<Outcome<unknown>>) {
  page.outcome.replaceChildren(`${label}…`)
  const outcome = await call()
  page.outcome.replaceChildren(renderOutcome(label, outcome))
  await refresh()
  // The button pressed may be gone (a retried node is no longer FAILED): keep the focus in the task.
  if (!page.task.contains(document.activeElement)) page.task.querySelector<HTMLElement>('#task-name')?.focus()
}

/** What operating on `nodeId` needs beside the action: asked of the operator, or undefined when they cancel. */
async function nodeCommand(call: Gateway, target: TaskIds, action: NodeAction, nodeId: string): Promise<NodeCommand | undefined> {
  switch (action) {
    case 'callback': {
      const data = await askCallbackData(nodeId)
      return data && { node_id: nodeId, action, data }
    }
    case 'skip_exg': {
      const flow_id = await askFlow(nodeId, status?.ex_data?.[nodeId], await readOutgoingFlows(call, target, nodeId))
      return flow_id === undefined ? undefined : { node_id: nodeId, action, flow_id }
    }
    case 'skip_cpg':
      return undefined // never offered: the tree names no flows of a conditional parallel gateway
    default:
      return { node_id: nodeId, action }
  }
}

/** `"Deploy" (task 12)`: the task as the operator knows it. */
const taskName = (target: TaskIds) => (status?.name ? `"${status.name}" (task ${target.task_id})` : `task ${target.task_id}`)

async function operateNode(action: NodeAction, nodeId: string) {
  if (!api || !ids) return
  const [target, call] = [ids, api]
  if (DESTRUCTIVE.has(action) && !(await confirmOperation(`${action} ${nodeId} of ${taskName(target)}`))) return
  const command = await nodeCommand(call, target, action, nodeId)
  if (!command) return
  await perform(`${action} ${nodeId}`, () => call.operateNode(target, command))
}

async function operateTask(action: TaskAction) {
  if (!api || !ids) return
  const [target, call] = [ids, api]
  if (DESTRUCTIVE.has(action) && !(await confirmOperation(`${action} ${taskName(target)}`))) return
  await perform(`${action} task ${target.task_id}`, () => call.operateTask(target, action))
}

/** `#2/12` opens task 12 of business 2: a link to a task, and the back button, work. */
const idsFromHash = (): TaskIds | undefined => {
  const match = /^#(\d+)\/(\d+)$/.exec(location.hash)
  return match ? { bk_biz_id: match[1]!, task_id: match[2]! } : undefined
}

function open(next: TaskIds) {
  ids = next
  status = undefined
  page.bizId.value = next.bk_biz_id
  page.taskId.value = next.task_id
  page.task.replaceChildren()
  page.nodePanel.replaceChildren()
  const label = `Load task ${next.task_id} of business ${next.bk_biz_id}`
  page.outcome.replaceChildren(`${label}…`)
  void refresh(label)
  watch()
}

page.signInButton.addEventListener('click', () => {
  if (login) startSignIn(login).catch((error: unknown) => showProblem(page.signInProblem, errorText(error)))
})

page.signOut.addEventListener('click', () => void signOut())

page.loadForm.addEventListener('submit', (event) => {
  event.preventDefault()
  if (!page.loadForm.reportValidity()) return
  show({ bk_biz_id: page.bizId.value.trim(), task_id: page.taskId.value.trim() })
})

/** Opens the task and makes it the page's address. */
function show(next: TaskIds) {
  const hash = `#${next.bk_biz_id}/${next.task_id}`
  if (location.hash !== hash) history.pushState(null, '', hash)
  open(next)
}

/** The business's task list and New task form act on the Business ID field. */
for (const [buttonId, showPanel] of [
  ['list-tasks', (api: Gateway, bizId: string) => showTaskList(page.businessPanel, api, bizId)],
  ['new-task', (api: Gateway, bizId: string) => showNewTask(page.businessPanel, api, bizId, show)],
] as const) {
  byId(buttonId, HTMLButtonElement).addEventListener('click', () => {
    if (api && page.bizId.reportValidity()) void showPanel(api, page.bizId.value.trim())
  })
}

window.addEventListener('popstate', () => {
  const linked = idsFromHash()
  if (linked && api) open(linked)
})

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && status && isMoving(status.state)) void refresh()
})

/** Back from signing in, or a new visit: signed in already, or the Sign in button. */
async function boot() {
  const found = await consoleLogin()
  if ('problem' in found) return signedOut(found.problem)
  login = found
  page.signInButton.disabled = false
  const problem = await finishSignIn(found)
  if (!found.signedIn()) return signedOut(problem)
  signedIn(found)
  page.bizId.focus()
  const linked = idsFromHash()
  if (linked) open(linked)
}

void boot()
