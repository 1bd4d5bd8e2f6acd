/**
 * Issue 23: what the gateway logs holds no credential from a URL, no terminal control from the origin,
 * and no client IP a client chose.
 */
import { describe, expect, it } from 'vitest'
import { env } from 'cloudflare:workers'
import { clientIp } from '../../src/lib/client-ip.ts'
import { prettyLine } from '../../src/observability/pretty.ts'
import { REDACTED, redactor } from '../../src/observability/redact.ts'
import { logged, oneLine } from './access-log-helpers.ts'
import { exemptApp, fakeOrigin } from './helpers.ts'

const OPERATE_NODE = '/api/bk-sops/prod/operate_node/2/12/'

describe('no credential in a logged URL', () => {
  it('withholds the value of every credential-named query parameter in any logged text', () => {
    const url = 'GET https://gw.example/api/c/?bk_app_code=app&bk_app_secret=xxx&bk_token=t1;access_token=a2&task_id=12&AppSecret=s#frag'
    expect(redactor([])(url)).toBe(
      `GET https://gw.example/api/c/?bk_app_code=app&bk_app_secret=${REDACTED}&bk_token=${REDACTED};access_token=${REDACTED}&task_id=12&AppSecret=${REDACTED}#frag`,
    )
  })

  it("an ESB-form GET's query credentials reach no field of its line", async () => {
    const { headers: _, code } = await exemptApp()
    const { line } = await oneLine(`/api/c/compapi/v2/sops/get_task_status/?bk_app_code=${code}&bk_app_secret=q7q7&bk_token=t7t7&access_token=a7a7&task_id=12&bk_biz_id=2`)
    expect(line.path).toBe('/api/c/compapi/v2/sops/get_task_status/')
    expect(JSON.stringify(line)).not.toMatch(/q7q7|t7t7|a7a7/)
  })
})

describe("the origin's text in the terminal", () => {
  it('a message with a newline and ANSI codes stays one escaped line', async () => {
    const { headers } = await exemptApp()
    const { otherOutput } = await logged(OPERATE_NODE, { headers, body: { node_id: 'n1', action: 'skip' } }, { ORIGIN_URL: fakeOrigin('forging-message'), LOG_FORMAT: 'pretty' })
    const printed = String(otherOutput[0]?.[0])
    expect(printed).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    expect(printed).toContain('ORIGIN_ERROR')
    expect(printed).toContain('bad\\u000aPOST /api/forged 200 OK 1ms admin\\u001b[2K\\u001b[1A\\u000d\\u001b]0;title\\u0007')
  })

  it("keeps the gateway's own stack on indented lines, escaping anything else", async () => {
    const { line } = await oneLine('/healthz')
    const text = prettyLine({ ...line, status: 500, exception: 'TypeError: \u001b[31mboom\u2028\n    at f (x.ts:1:1)' })
    expect(text.split('\n')).toEqual([line.message, '  TypeError: \\u001b[31mboom\\u2028', '      at f (x.ts:1:1)'])
  })
})

describe('CF-Connecting-IP', () => {
  const request = new Request('https://gw.example/_admin/', { headers: { 'CF-Connecting-IP': '203.0.113.7' } })

  it('is believed only where TRUST_CF_CONNECTING_IP says Cloudflare sets it', () => {
    expect(clientIp(request, { ...env, TRUST_CF_CONNECTING_IP: 'true' })).toBe('203.0.113.7')
    expect(clientIp(request, { ...env, TRUST_CF_CONNECTING_IP: 'false' })).toBeNull()
    expect(clientIp(request, { ...env, TRUST_CF_CONNECTING_IP: '' })).toBeNull()
  })
})
