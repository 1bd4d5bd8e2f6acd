/** CONTRACT §3: where credentials come from, and the app and user checks in BlueKing's words. */
import { describe, expect, it } from 'vitest'
import { authHeader, call, callWith, fakeOrigin, seedApp, seedToken, uniqueCode } from './helpers.ts'

const ESB = '/api/c/compapi/v2/sops/operate_node/'
const GATEWAY = '/api/bk-sops/prod/operate_node/2/12/'
const operation = { node_id: 'n1', action: 'skip' }
const origin = { ORIGIN_URL: fakeOrigin('ok') }

async function reason(res: Response): Promise<string | null> {
  const body = (await res.json()) as { code: number; message: string }
  if (res.status === 200) return null
  expect(res.status).toBe(400)
  expect(body.code).toBe(1640001)
  return /\[reason="(.*)"\]$/.exec(body.message)?.[1] ?? body.message
}

describe('credential sources', () => {
  it('reads the X-Bkapi-Authorization header, with every alias', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true })
    for (const creds of [
      { bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' },
      { app_code: code, app_secret: 'secret', username: 'admin' },
    ]) {
      expect(await reason(await callWith(origin, GATEWAY, { headers: authHeader(creds), body: operation }))).toBeNull()
    }
  })

  it('reads the ESB body, then the query string, with aliases', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true })
    const ids = { bk_biz_id: '2', task_id: 12 }
    const inBody = await callWith(origin, ESB, { body: { ...ids, ...operation, bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' } })
    expect(await reason(inBody)).toBeNull()
    const aliases = await callWith(origin, ESB, { body: { ...ids, ...operation, app_code: code, app_secret: 'secret', username: 'admin' } })
    expect(await reason(aliases)).toBeNull()
    const inQuery = await callWith(origin, `${ESB}?bk_app_code=${code}&bk_app_secret=secret&bk_username=admin`, { body: { ...ids, ...operation } })
    expect(await reason(inQuery)).toBeNull()
    const statusByQuery = await callWith(
      origin,
      `/api/c/compapi/v2/sops/get_task_status/?bk_app_code=${code}&bk_app_secret=secret&bk_username=admin&bk_biz_id=2&task_id=12`,
    )
    expect(await reason(statusByQuery)).toBeNull()
  })

  it('takes bk_token from the cookie when the ESB fields have none', async () => {
    const code = uniqueCode()
    await seedApp(code)
    await seedToken('cookie-token', 'alice')
    const res = await callWith(origin, ESB, {
      headers: { Cookie: 'other=1; bk_token=cookie-token' },
      body: { bk_biz_id: 2, task_id: '12', ...operation, bk_app_code: code, bk_app_secret: 'secret' },
    })
    expect(await reason(res)).toBeNull()
  })

  it('a present header is the only source: body credentials and the cookie are ignored', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true })
    await seedToken('cookie-token-2', 'alice')
    const res = await callWith(origin, GATEWAY, {
      headers: { ...authHeader({ bk_app_code: code }), Cookie: 'bk_token=cookie-token-2' },
      body: { ...operation, bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' },
    })
    expect(await reason(res)).toBe('please provide bk_app_secret or bk_signature to verify app')
  })

  it('refuses a header that is not a JSON object', async () => {
    for (const header of ['not json', '"a string"', '[1]']) {
      const res = await call(GATEWAY, { headers: { 'X-Bkapi-Authorization': header }, body: operation })
      expect(await reason(res)).toBe('request header X-Bkapi-Authorization is not a valid JSON')
    }
  })
})

describe('app check', () => {
  it('gives the same answer for an unknown app and a wrong secret', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true })
    const wrong = await call(GATEWAY, { headers: authHeader({ bk_app_code: code, bk_app_secret: 'nope', bk_username: 'a' }), body: operation })
    const unknown = await call(GATEWAY, { headers: authHeader({ bk_app_code: uniqueCode('ghost'), bk_app_secret: 'secret', bk_username: 'a' }), body: operation })
    expect(await reason(wrong)).toBe('bk_app_code or bk_app_secret is incorrect')
    expect(await reason(unknown)).toBe('bk_app_code or bk_app_secret is incorrect')
  })

  it('accepts either of two secrets during a rotation', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true, secrets: ['old-secret', 'new-secret'] })
    for (const secret of ['old-secret', 'new-secret']) {
      const res = await callWith(origin, GATEWAY, { headers: authHeader({ bk_app_code: code, bk_app_secret: secret, bk_username: 'a' }), body: operation })
      expect(await reason(res)).toBeNull()
    }
  })

  it('refuses a disabled app even with the right secret', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true, disabled: true })
    const res = await call(GATEWAY, { headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'a' }), body: operation })
    expect(await reason(res)).toBe(`app ${code} is disabled`)
  })

  it('applies BlueKing length limits and empty-field rules in order', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'app code cannot be empty'],
      [{ bk_app_code: 'x' }, 'please provide bk_app_secret or bk_signature to verify app'],
      [{ bk_app_code: 'x'.repeat(33), bk_app_secret: 's' }, 'app code cannot be longer than 32 characters'],
      [{ bk_app_code: 'x', bk_app_secret: 's'.repeat(129) }, 'app secret cannot be longer than 128 characters'],
      [{ bk_app_code: 12345, bk_app_secret: 67890 }, 'bk_app_code or bk_app_secret is incorrect'],
    ]
    for (const [creds, expected] of cases) {
      expect(await reason(await call(GATEWAY, { headers: authHeader(creds), body: operation }))).toBe(expected)
    }
  })
})

describe('user check', () => {
  it('accepts a valid bk_token as a verified user, refuses an unknown or expired one without falling back to bk_username', async () => {
    const code = uniqueCode()
    await seedApp(code, { userExempt: true })
    await seedToken('good-token', 'alice')
    await seedToken('old-token', 'bob', -1000)
    const as = (creds: Record<string, unknown>) =>
      callWith(origin, GATEWAY, { headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', ...creds }), body: operation })
    expect(await reason(await as({ bk_token: 'good-token' }))).toBeNull()
    expect(await reason(await as({ bk_token: 'unknown-token', bk_username: 'admin' }))).toBe('bk_token is not valid')
    expect(await reason(await as({ bk_token: 'old-token', bk_username: 'admin' }))).toBe('bk_token has expired')
    expect(await reason(await as({ bk_token: 42, bk_username: 'admin' }))).toBeNull() // a non-string token counts as absent
  })

  it('accepts a bare bk_username only for an app exempt from user verification', async () => {
    const exempt = uniqueCode()
    const strict = uniqueCode()
    await seedApp(exempt, { userExempt: true })
    await seedApp(strict)
    const as = (code: string, creds: Record<string, unknown>) =>
      callWith(origin, GATEWAY, { headers: authHeader({ bk_app_code: code, bk_app_secret: 'secret', ...creds }), body: operation })
    expect(await reason(await as(exempt, { bk_username: 'admin' }))).toBeNull()
    expect(await reason(await as(strict, { bk_username: 'admin' }))).toBe(
      'user authentication failed, the user indicated by bk_username is not verified',
    )
    expect(await reason(await as(strict, {}))).toBe(
      'user authentication failed, please provide a valid user identity, such as bk_username, bk_token, access_token',
    )
  })
})
