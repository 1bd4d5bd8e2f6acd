/**
 * Issue 22, item 8: a body over BODY_LIMIT_BYTES gets its 413 envelope every time, from a real
 * `npm run dev`, although the client is still sending when the gateway has decided.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { tempStateDir } from './admin-helpers.ts'
import { type DevServer, startDev } from './dev-server.ts'

let dev: DevServer

beforeAll(async () => {
  dev = await startDev(tempStateDir())
}, 120_000)
afterAll(async () => {
  await dev?.stop()
})

it('20 POSTs of 3 MiB, each sent whole, all get the 413 envelope', async () => {
  const body = Buffer.alloc(3 * 1024 * 1024, ' ')
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${dev.base}/api/c/compapi/v2/sops/operate_node/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ result: false, code: 1641301, code_name: 'BODY_SIZE_LIMIT_EXCEED', message: 'Request body size too large.' })
  }
})
