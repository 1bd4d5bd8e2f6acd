/** The CLI's argument checks, which mirror the gateway's limits and the record schemas. */
import { describe, expect, it } from 'vitest'
import { appCode, appSecret, bizList, duration, rateWindows, resourceList } from '../../scripts/lib/input.ts'

describe('admin input', () => {
  it('parses rate windows in s, m, h and d', () => {
    expect(rateWindows('10/1s, 600/1m,5000/1h')).toEqual([
      { tokens: 10, period: 1 },
      { tokens: 600, period: 60 },
      { tokens: 5000, period: 3600 },
    ])
    expect(rateWindows('1/1d')).toEqual([{ tokens: 1, period: 86_400 }])
    expect(rateWindows(' 10 / 1s , 600/60s,1/86400s')).toEqual([
      { tokens: 10, period: 1 },
      { tokens: 600, period: 60 },
      { tokens: 1, period: 86_400 },
    ])
  })

  it.each(['', '10', '10/s', '0/1s', '10/0s', '10/2d', '10/86401s', '10/1.5s', '1.5/1s', '10/1w', '10/1S', '10/1s,,5/1m', '1/1s,2/1s,3/1s,4/1s,5/1s', '-1/1s'])('refuses rate %j', (rate) => {
    expect(() => rateWindows(rate)).toThrow()
  })

  it('parses durations', () => {
    expect(duration('90s', '--ttl')).toBe(90_000)
    expect(duration('8h', '--ttl')).toBe(8 * 3_600_000)
    expect(duration('8 hours', '--ttl')).toBe(8 * 3_600_000)
    expect(duration('1 day', '--ttl')).toBe(86_400_000)
    expect(duration('30min', '--ttl')).toBe(30 * 60_000)
    for (const bad of ['0h', '8', 'h', '1.5h', '8 fortnights', 'hours 8']) expect(() => duration(bad, '--ttl')).toThrow('--ttl')
  })

  it('takes * or lists of digit biz ids and known resources', () => {
    expect(bizList('*')).toBe('*')
    expect(bizList('2, 3,2')).toEqual(['2', '3'])
    expect(bizList('2,project:5')).toEqual(['2', 'project:5'])
    expect(() => bizList('project:x')).toThrow('digit-only')
    expect(() => bizList('2,a')).toThrow('digit-only')
    expect(resourceList('operate_node,get_task_status')).toEqual(['operate_node', 'get_task_status'])
    expect(() => resourceList('operate_nodes')).toThrow('unknown resource')
  })

  it('bounds app codes and secrets as BlueKing does', () => {
    expect(appCode('x'.repeat(32))).toHaveLength(32)
    expect(() => appCode('x'.repeat(33))).toThrow('32')
    expect(() => appCode('')).toThrow('empty')
    expect(() => appCode('x!')).toThrow('app code x! must be letters, digits, _, . or -')
    expect(appSecret('s'.repeat(128))).toHaveLength(128)
    expect(() => appSecret('s'.repeat(129))).toThrow('128')
  })
})
