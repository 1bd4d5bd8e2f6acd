/** `npm run dev`'s bootstrap: from an empty directory it creates .dev.vars and the demo records; twice changes nothing. */
import { createPrivateKey } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { describe, expect, it } from 'vitest'
import { bootstrap } from '../../scripts/lib/bootstrap.ts'
import { openLocalKv } from '../../scripts/lib/kv.ts'
import { ensureDevVars, publicKeyOf } from '../../scripts/lib/devvars.ts'
import { localState } from '../../scripts/lib/state.ts'
import { ROOT, tempStateDir } from './admin-helpers.ts'

async function kvContents(persistPath: string) {
  const kv = await openLocalKv(persistPath)
  try {
    const keys = await kv.list('')
    return Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await kv.get(key)] as const)))
  } finally {
    await kv.close()
  }
}

describe('dev bootstrap', () => {
  it('writes only entries that a .dev.vars.example explains, each under a comment', () => {
    const { secrets, added } = ensureDevVars(localState(tempStateDir()).devVarsPath)
    expect(added.length).toBeGreaterThanOrEqual(Object.keys(secrets).length)
    const examples = ['.dev.vars.example', 'engine/.dev.vars.example'].map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n')
    for (const name of added) expect(examples, name).toMatch(new RegExp(`^# .+\\n(# .+\\n)*${name}=`, 'm'))
  })

  it('creates .dev.vars and the demo records in an empty directory, and a second run changes nothing', async () => {
    const state = localState(tempStateDir())

    const first = await bootstrap(state)
    expect(first.devVars).toEqual(['JWT_PRIVATE_KEY', 'APIGW_PUBLIC_KEY', 'CREDENTIAL_PEPPER', 'ADMIN_TOKEN', 'ENGINE_DEMO_SEED'])
    expect(first.demo).toEqual(['app esb_test (secret xxx)', 'bk_token xxx for admin'])
    const devVars = readFileSync(state.devVarsPath, 'utf8')
    const vars = parseEnv(devVars)
    // PKCS#1, the form BlueKing's dashboard generates; 2048 bits.
    expect(createPrivateKey(vars.JWT_PRIVATE_KEY!).export({ type: 'pkcs1', format: 'pem' })).toBe(vars.JWT_PRIVATE_KEY)
    expect(createPrivateKey(vars.JWT_PRIVATE_KEY!).asymmetricKeyDetails?.modulusLength).toBe(2048)
    expect(publicKeyOf(vars.JWT_PRIVATE_KEY!, ".dev.vars")).toBe(vars.APIGW_PUBLIC_KEY)
    expect(vars.ENGINE_DEMO_SEED).toBe('true')
    const records = await kvContents(state.persistPath)
    expect(Object.keys(records)).toHaveLength(2)
    expect(JSON.parse(records['app:esb_test']!)).toMatchObject({
      user_exempt: true,
      disabled: false,
      permissions: { biz: '*', resources: '*' },
    })

    const second = await bootstrap(state)
    expect(second).toEqual({ devVars: [], demo: [] })
    expect(readFileSync(state.devVarsPath, 'utf8')).toBe(devVars)
    expect(await kvContents(state.persistPath)).toEqual(records)
  })

  it('repairs the demo app when the pepper changed', async () => {
    const dir = tempStateDir()
    const state = localState(dir)
    await bootstrap(state)
    const devVars = readFileSync(state.devVarsPath, 'utf8').replace(/^CREDENTIAL_PEPPER=.*$/m, '')
    writeFileSync(state.devVarsPath, devVars)
    expect(await bootstrap(state)).toEqual({ devVars: ['CREDENTIAL_PEPPER'], demo: ['app esb_test (secret xxx)'] })
  })

  it('keeps the secrets away from the .dev.vars the test pool reads, moving one an earlier version wrote there', async () => {
    const dir = tempStateDir()
    const state = localState(dir)
    expect(state.devVarsPath).toBe(join(dir, '.wrangler/dev.vars'))
    writeFileSync(join(dir, '.dev.vars'), 'CREDENTIAL_PEPPER="kept"\n')
    const report = await bootstrap(state)
    expect(report.moved).toBe(join(dir, '.dev.vars'))
    expect(existsSync(join(dir, '.dev.vars'))).toBe(false)
    expect(parseEnv(readFileSync(state.devVarsPath, 'utf8')).CREDENTIAL_PEPPER).toBe('kept')
  })
})
