/**
 * Every resource, called with every field it takes and one it does not, in both URL forms, through the
 * stand-in origin's `strict` allowlist (test/support/origin-server.ts): the origin must see only what
 * SOPS documents for that resource, so a field the table forwards by mistake fails here.
 */
import { describe, expect, it } from 'vitest'
import { resources } from '../../src/resources/table.ts'
import { FULL } from './resource-samples.ts'
import { callWith, exemptApp, fakeOrigin } from './helpers.ts'

const { headers } = await exemptApp()
const config = { ORIGIN_URL: fakeOrigin('strict') }

describe('the origin sees only what SOPS documents', () => {
  for (const resource of resources) {
    const fields: Record<string, unknown> = { ...FULL[resource.name], not_documented: 'x' }
    const query = (params: Record<string, unknown>) =>
      new URLSearchParams(Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])).toString()
    const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => !resource.pathParams.includes(key)))
    const gatewayPath = `/api/bk-sops/prod/${resource.path.replace(/:(\w+)/g, (_, id: string) => String(fields[id]))}/`
    const post = resource.method === 'post'

    it(`${resource.name}, gateway form`, async () => {
      const res = await callWith(config, post ? gatewayPath : `${gatewayPath}?${query(rest)}`, { headers, ...(post ? { body: rest } : {}) })
      expect(await res.json()).toMatchObject({ result: true, code: 0 })
    })

    it(`${resource.name}, ESB form`, async () => {
      const path = `/api/c/compapi/v2/sops/${resource.name}/`
      const res = await callWith(config, post ? path : `${path}?${query(fields)}`, { headers, ...(post ? { body: fields } : {}) })
      expect(await res.json()).toMatchObject({ result: true, code: 0 })
    })
  }
})
