/**
 * An expired access token is refused with BlueKing's text naming its user (issue 18). In a file of its
 * own: the test moves the clock, which the isolate's credential feed view would remember.
 */
import { describe, expect, it, vi } from 'vitest'
import { seedApp, uniqueCode } from './helpers.ts'
import { send, signIn } from './oauth-support.ts'

describe('an expired access token', () => {
  it('names its user, in the header and the Bearer forms', async () => {
    const code = uniqueCode('oauth')
    await seedApp(code)
    const { tokens } = await signIn(code, { username: 'carol' })
    const call = (headers: Record<string, string>) => send('/api/c/compapi/v2/sops/get_task_status/?bk_biz_id=2&task_id=12', { headers })
    const forms: Record<string, string>[] = [{ 'X-Bkapi-Authorization': JSON.stringify({ access_token: tokens.access_token }) }, { Authorization: `Bearer ${tokens.access_token}` }]
    expect((await call(forms[0]!)).status).toBe(200)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (tokens.expires_in + 1) * 1000 })
    try {
      const [header, bearer] = await Promise.all(forms.map(call))
      const text = 'the access_token of the user(carol) has expired, please re-authorize'
      expect(header!.status).toBe(400)
      expect(((await header!.json()) as { message: string }).message).toBe(`Parameters error [reason="${text}"]`)
      expect(bearer!.status).toBe(401)
      expect(bearer!.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_token"')
      expect(((await bearer!.json()) as { message: string }).message).toContain(text)
    } finally {
      vi.useRealTimers()
    }
  })
})
