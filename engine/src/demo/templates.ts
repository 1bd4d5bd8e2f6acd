/**
 * The demo's flow templates (create_task, get_template_list, get_template_info): plain SOPS web trees
 * per business, with constants of each custom type the engine knows (input, textarea, int, and a lazy
 * fail_once variable).
 */
export interface DemoTemplate {
  id: number
  bizId: string
  name: string
  category: string
  tree: Record<string, unknown>
}

const activity = (id: string, name: string, code: string, incoming: string, outgoing: string, data: Record<string, unknown> = {}) => ({
  id, type: 'ServiceActivity', name, incoming: [incoming], outgoing,
  // An input that refers to a constant is hooked to it, so the engine renders it.
  component: { code, data: Object.fromEntries(Object.entries(data).map(([k, value]) => [k, { hook: String(value).includes('${'), value }])) },
  error_ignorable: false, retryable: true, skippable: true, optional: true,
})
const flow = (id: string, source: string, target: string) => ({ id, source, target, is_default: false })
const constant = (key: string, name: string, value: unknown, custom_type: string) => ({
  key, name, value, custom_type, show_type: 'show', source_type: 'custom', source_info: {},
})

/** A line of activities from start to end, one flow between each. */
function line(activities: ReturnType<typeof activity>[], constants: ReturnType<typeof constant>[]): Record<string, unknown> {
  const ids = ['start', ...activities.map((a) => a.id), 'end']
  return {
    start_event: { id: 'start', type: 'EmptyStartEvent', name: 'Start', incoming: '', outgoing: 'flow_1' },
    end_event: { id: 'end', type: 'EmptyEndEvent', name: 'End', incoming: [`flow_${ids.length - 1}`], outgoing: '' },
    activities: Object.fromEntries(activities.map((a) => [a.id, a])),
    gateways: {},
    flows: Object.fromEntries(ids.slice(1).map((target, i) => [`flow_${i + 1}`, flow(`flow_${i + 1}`, ids[i]!, target)])),
    constants: Object.fromEntries(constants.map((c) => [c.key, c])),
    outputs: constants.map((c) => c.key),
  }
}

export const DEMO_TEMPLATES: readonly DemoTemplate[] = [
  {
    id: 1,
    bizId: '2',
    name: 'Demo template: release with a wait',
    category: 'OpsTools',
    tree: line(
      [
        activity('prepare', 'Prepare ${release}', 'noop', 'flow_1', 'flow_2', { release: '${release}', notes: '${notes}' }),
        activity('wait', 'Wait', 'sleep_timer', 'flow_2', 'flow_3', { bk_timing: '${bk_timing}' }),
        activity('deploy', 'Deploy', 'noop', 'flow_3', 'flow_4', { release: '${release}' }),
      ],
      [
        constant('${release}', 'Release', '1.0.0', 'input'),
        constant('${notes}', 'Release notes', 'first release', 'textarea'),
        constant('${bk_timing}', 'Seconds to wait', 0, 'int'),
      ],
    ),
  },
  {
    id: 2,
    bizId: '2',
    name: 'Demo template: approval, then rollout',
    category: 'ConfManage',
    tree: line(
      [
        activity('approve', 'Approve', 'pause_node', 'flow_1', 'flow_2'),
        activity('rollout', 'Roll out ${version}', 'noop', 'flow_2', 'flow_3', { version: '${version}' }),
      ],
      [constant('${version}', 'Version', '2.0.0', 'input')],
    ),
  },
  {
    id: 3,
    bizId: '2',
    name: 'Demo template: a check that fails once',
    category: 'MonitorAlarm',
    tree: line(
      [
        activity('check', 'Check ${target}', 'noop', 'flow_1', 'flow_2', { target: '${target}' }),
        activity('verify', 'Verify', 'fail_once', 'flow_2', 'flow_3'),
      ],
      [constant('${target}', 'Target', 'db-1', 'input')],
    ),
  },
  {
    id: 4,
    bizId: '3',
    name: 'Demo template: business 3 housekeeping',
    category: 'Other',
    tree: line([activity('clean', 'Clean up', 'noop', 'flow_1', 'flow_2')], []),
  },
]
