/** Element building and lookup, the little the console needs instead of a framework. */

type Child = Node | string | false | null | undefined

/** `h('p', { class: 'hint' }, 'text', child)`: attributes are set as given; false and undefined ones are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    element.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children) if (child !== false && child !== null && child !== undefined) element.append(child)
  return element
}

/** The page's element with this id, of the expected kind; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const element = document.getElementById(id)
  if (!(element instanceof kind)) throw new Error(`index.html has no ${kind.name} #${id}`)
  return element
}

/** Shows a problem next to the field it is about, or hides it when there is none. */
export function showProblem(element: HTMLElement, problem: string | undefined): void {
  element.textContent = problem ?? ''
  element.hidden = problem === undefined
}
