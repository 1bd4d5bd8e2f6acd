/**
 * What each Worker deploys, from `wrangler deploy --dry-run` (offline: it bundles and checks the
 * configuration, uploads nothing): the gateway binds nothing of the reference engine and only deletes
 * its old classes, and carries none of the OAuth library, which the authorization server it binds as
 * AUTH does; the engine deploys alone with its own objects.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'smol-toml'
import { expect, it } from 'vitest'
import { ROOT } from './admin-helpers.ts'

const run = promisify(execFile)

async function dryRun(config: string, outdir = mkdtempSync(join(tmpdir(), 'sops-edge-deploy-'))): Promise<string> {
  const { stdout } = await run(
    join(ROOT, 'node_modules/.bin/node'),
    [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '-c', config, '--outdir', outdir],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_API_TOKEN: '' } },
  )
  expect(stdout).toContain('--dry-run: exiting now.')
  return stdout
}

it('deploys the gateway with no engine binding, class or migration but the deletion of its classes', { timeout: 120_000 }, async () => {
  const stdout = await dryRun('wrangler.toml')
  expect(stdout).toContain('env.RATE_LIMITER (RateLimiter)')
  expect(stdout).toMatch(/env\.AUTH \(sops-edge-auth\)/)
  expect(stdout).not.toMatch(/ENGINE|EngineTask|EngineRegistry|OAUTH_KV/)
  const { migrations } = parse(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')) as { migrations: Record<string, string[]>[] }
  const engineClasses = migrations.flatMap(({ tag: _, ...steps }) =>
    Object.entries(steps).flatMap(([kind, classes]) => classes.filter((c) => c.startsWith('Engine')).map((c) => `${kind} ${c}`)),
  )
  // Created before the engine became its own Worker, deleted since: what a deployment that had them needs.
  expect(engineClasses).toEqual(['new_sqlite_classes EngineTask', 'new_sqlite_classes EngineRegistry', 'deleted_classes EngineTask', 'deleted_classes EngineRegistry'])
})

it('deploys the reference engine alone, with its own objects', { timeout: 120_000 }, async () => {
  const stdout = await dryRun('engine/wrangler.toml')
  expect(stdout).toContain('env.ENGINE_TASKS (EngineTask)')
  expect(stdout).toContain('env.ENGINE_REGISTRY (EngineRegistry)')
  expect(stdout).not.toMatch(/RATE_LIMITER|CREDENTIALS/)
})

it('deploys the authorization server alone, with the OAuth library and its store, and no public URL', { timeout: 120_000 }, async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'sops-edge-deploy-'))
  const stdout = await dryRun('auth/wrangler.toml', outdir)
  expect(stdout).toContain('env.OAUTH_KV (')
  expect(stdout).not.toMatch(/RATE_LIMITER|CREDENTIALS|ENGINE/)
  expect(readFileSync(join(outdir, 'index.js'), 'utf8')).toContain('OAuthAuthorizationServer')
  expect(parse(readFileSync(join(ROOT, 'auth/wrangler.toml'), 'utf8'))).toMatchObject({ workers_dev: false, preview_urls: false })
})
