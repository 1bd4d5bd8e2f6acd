/**
 * What the operator reads after each call: the envelope's message on success; on an error the
 * gateway's `code_name`, message and every problem it lists, and when a rate-limited call may be
 * retried; SOPS's own refusals with SOPS's code.
 */
import { h } from './dom.ts'
import type { Outcome } from './gateway.ts'
import { formatTime } from './time.ts'

export function renderOutcome(label: string, outcome: Outcome<unknown>): HTMLElement {
  switch (outcome.kind) {
    case 'done':
      return h('p', { class: 'ok' }, `${label}: ${outcome.message || 'done'}`)
    case 'refused':
      return h('div', { class: 'failed', role: 'alert' }, h('p', {}, `${label}: SOPS refused it (code ${outcome.code})`), h('p', {}, outcome.message))
    case 'unreachable':
      return h('p', { class: 'failed', role: 'alert' }, `${label}: no answer from the gateway (${outcome.message})`)
    case 'error': {
      const { envelope, retryAfter } = outcome
      return h(
        'div',
        { class: 'failed', role: 'alert' },
        h('p', {}, `${label}: `, h('strong', {}, envelope.code_name), ` (HTTP ${outcome.status}, code ${envelope.code})`),
        h('p', {}, envelope.message),
        envelope.errors &&
          envelope.errors.length > 0 &&
          h('ul', { class: 'problems' }, ...envelope.errors.map((p) => h('li', {}, h('code', {}, p.path), `: ${p.message}`))),
        retryAfter !== undefined && h('p', {}, `Rate limited: retry in ${retryAfter} s (after ${formatTime(new Date(Date.now() + retryAfter * 1000))}).`),
      )
    }
  }
}
