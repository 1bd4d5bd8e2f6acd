/**
 * docs/operating.md's staging and production example deploys: its ```toml blocks, appended to the
 * gateway's wrangler.toml and to the authorization server's auth/wrangler.toml, pass
 * `wrangler deploy --dry-run` for each environment (offline: a dry run bundles and checks the
 * configuration, uploads nothing), and each environment names every binding the top level has, since
 * wrangler lets an environment inherit none.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { ROOT } from './admin-helpers.ts'

const run = promisify(execFile)
const operating = readFileSync(join(ROOT, 'docs/operating.md'), 'utf8')
const section = /^## Environments.*\n[\s\S]*?(?=^## )/m.exec(operating)?.[0] ?? ''
/** The section's ```toml blocks: the gateway's, then the authorization server's. */
const [gatewayExample, authExample] = [...section.matchAll(/^```toml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)

const cases = ['staging', 'production'].flatMap((env) => [
  { worker: 'the gateway', configPath: 'wrangler.toml', example: gatewayExample, env },
  { worker: 'the authorization server', configPath: 'auth/wrangler.toml', example: authExample, env },
])

it.each(cases)('$worker: the documented [env.$env] deploys (dry run) with every binding', { timeout: 120_000 }, async ({ configPath, example, env }) => {
  expect(example, 'a ```toml block under "## Environments"').toBeDefined()
  const config = readFileSync(join(ROOT, configPath), 'utf8')
  /** The binding names of the top level, as wrangler's dry run lists them (`env.NAME`). */
  const topLevelBindings = [...config.matchAll(/^(?:binding|name) = "([A-Z_]+)"/gm)].map((m) => m[1]!)
  const dir = mkdtempSync(join(tmpdir(), 'sops-edge-env-'))
  // The project's configuration as it is, its relative paths made absolute for the temporary copy.
  const configDir = join(ROOT, configPath, '..')
  const copy = config
    .replace(/^main = "(.+)"$/m, (_, main: string) => `main = "${join(configDir, main)}"`)
    .replace(/^directory = "(.+)"$/m, (_, directory: string) => `directory = "${join(ROOT, directory)}"`)
  writeFileSync(join(dir, 'wrangler.toml'), `${copy}\n${example}`)
  const wrangler = join(ROOT, 'node_modules/wrangler/bin/wrangler.js')
  const { stdout } = await run(
    join(ROOT, 'node_modules/.bin/node'),
    [wrangler, 'deploy', '--dry-run', '--env', env, '-c', join(dir, 'wrangler.toml'), '--outdir', join(dir, 'out')],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_API_TOKEN: '' } },
  )
  expect(stdout).toContain('--dry-run: exiting now.')
  for (const binding of topLevelBindings) expect(stdout, binding).toContain(`env.${binding} (`)
  const host = env === 'staging' ? '-staging' : ''
  if (configPath === 'wrangler.toml') {
    expect(topLevelBindings).toEqual(expect.arrayContaining(['CREDENTIALS', 'RATE_LIMITER', 'METRICS', 'AUTH']))
    expect(stdout).toContain(`env.ORIGIN_URL ("https://sops${host}.example.com`)
    expect(stdout).toContain('env.TRUST_CF_CONNECTING_IP ("true")')
    expect(stdout).toContain(`sops-edge-auth-${env}`)
  } else {
    expect(topLevelBindings).toEqual(['OAUTH_KV'])
    expect(stdout).toContain(`env.BK_LOGIN_URL ("https://bk${host}.example.com/login/")`)
  }
})
