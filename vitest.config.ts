import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { ENGINE_CONFIG, authKvNamespaces, authWorker, engineWorker } from './test/support/auxiliary-workers.ts'

// The workerd pool reads a .dev.vars beside wrangler.toml whatever it is told: the tests would run with
// a developer's secrets and settings. `npm run dev` keeps its own in .wrangler/dev.vars, and moves an old one.
if (existsSync(new URL('.dev.vars', import.meta.url))) {
  throw new Error('.dev.vars beside wrangler.toml would reach the tests: `npm run dev -- --setup-only` moves it to .wrangler/dev.vars')
}

// Fresh keys per run: nothing secret is committed, and the tests never depend on a particular key.
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})
export const testSecrets = {
  JWT_PRIVATE_KEY: privateKey,
  APIGW_PUBLIC_KEY: publicKey,
  CREDENTIAL_PEPPER: randomBytes(32).toString('base64url'),
}

/** The authorization server's settings in the tests: where it sends a browser not signed in to BlueKing. */
const authVars = { BK_LOGIN_URL: 'https://login.bk.example/login/' }

/**
 * How long one test may run before it counts as hung: a guard, never a measure. A workerd test file's
 * first call starts its Workers, which on a loaded 2-core machine took over vitest's 5 s default.
 */
const HANG_GUARD_MS = 30_000

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            // The access log writes a line per call: tests that read it capture it (access-log*.test.ts).
            // The test pool calls the Worker directly, never through the asset router: tests read the
            // console's assets (with their _headers) through the ASSETS binding instead.
            // The reference engine is the origin as in `npm run dev`: its own Worker, bound as ENGINE. The
            // authorization server is its own Worker too (AUTH, as wrangler.toml binds it); its store is
            // bound here as well, for the tests that look at what it keeps.
            miniflare: {
              bindings: { ...testSecrets, LOG_FORMAT: 'none' },
              assets: { directory: './dist/assets', binding: 'ASSETS' },
              serviceBindings: { ENGINE: 'sops-engine' },
              kvNamespaces: authKvNamespaces(),
              workers: [engineWorker({ APIGW_PUBLIC_KEY: testSecrets.APIGW_PUBLIC_KEY }), authWorker(authVars)],
            },
          }),
        ],
        test: {
          name: 'worker',
          testTimeout: HANG_GUARD_MS,
          include: ['test/worker/**/*.test.ts'],
          provide: { testSecrets, authVars },
          globalSetup: ['test/support/origin-server.ts'],
        },
      },
      {
        // The engine's own tests run inside the engine Worker; they sign calls as the gateway would.
        plugins: [cloudflareTest({ wrangler: { configPath: ENGINE_CONFIG }, miniflare: { bindings: testSecrets } })],
        test: { name: 'engine', include: ['engine/test/**/*.test.ts'], testTimeout: HANG_GUARD_MS },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/node/**/*.test.ts'],
          provide: { testSecrets },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
