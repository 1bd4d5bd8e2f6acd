import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { defineConfig } from 'vitest/config'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { ENGINE_CONFIG, engineWorker } from './test/support/engine-worker.ts'

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
            // The reference engine is the origin as in `npm run dev`: its own Worker, bound as ENGINE.
            miniflare: {
              bindings: { ...testSecrets, LOG_FORMAT: 'none' },
              assets: { directory: './dist/assets', binding: 'ASSETS' },
              serviceBindings: { ENGINE: 'sops-engine' },
              workers: [engineWorker({ APIGW_PUBLIC_KEY: testSecrets.APIGW_PUBLIC_KEY })],
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          provide: { testSecrets },
          globalSetup: ['test/support/origin-server.ts'],
        },
      },
      {
        // The engine's own tests run inside the engine Worker; they sign calls as the gateway would.
        plugins: [cloudflareTest({ wrangler: { configPath: ENGINE_CONFIG }, miniflare: { bindings: testSecrets } })],
        test: { name: 'engine', include: ['engine/test/**/*.test.ts'] },
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
