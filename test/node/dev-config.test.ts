/** The two Workers' development configurations that `npm run dev` derives from the two wrangler.toml files. */
import { readFileSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { expect, it } from 'vitest'
import { writeDevConfigs } from '../../scripts/lib/dev-config.ts'
import { ensureDevVars, readDevVars } from '../../scripts/lib/devvars.ts'
import { localState } from '../../scripts/lib/state.ts'
import { tempStateDir } from './admin-helpers.ts'

it('binds the engine to the gateway only in development, with the state’s engine settings and no trusted client IP', () => {
  const state = localState(tempStateDir())
  ensureDevVars(state.devVarsPath)
  const [gatewayPath, enginePath] = writeDevConfigs(state)
  const gateway = JSON.parse(readFileSync(gatewayPath, 'utf8'))
  const engine = JSON.parse(readFileSync(enginePath, 'utf8'))

  expect(gateway.services).toContainEqual({ binding: 'ENGINE', service: engine.name })
  expect(gateway.vars.TRUST_CF_CONNECTING_IP).toBe('false')
  expect(isAbsolute(gateway.main) && isAbsolute(gateway.assets.directory) && isAbsolute(engine.main)).toBe(true)
  const devVars = readDevVars(state.devVarsPath)
  expect(engine.vars).toEqual({ APIGW_PUBLIC_KEY: devVars.APIGW_PUBLIC_KEY, ENGINE_DEMO_SEED: devVars.ENGINE_DEMO_SEED })
  // Nothing secret goes into a configuration file: the gateway's secrets stay in the state's dev.vars.
  expect(JSON.stringify([gateway, engine])).not.toContain(devVars.JWT_PRIVATE_KEY!.slice(40, 80))
})
