/**
 * `npm run size`: the Worker bundle exactly as `wrangler deploy` would upload it (a dry run), raw and
 * gzipped, against the budget. Exits 1 over budget; test/node/bundle-size.test.ts runs it too.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'

export const BUDGET_GZIP_KIB = 150
const ROOT = join(import.meta.dirname, '..')

export async function measureBundle(): Promise<{ rawKiB: number; gzipKiB: number }> {
  const outdir = await mkdtemp(join(tmpdir(), 'sops-edge-bundle-'))
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outdir], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    })
    const bundle = await readFile(join(outdir, 'index.js'))
    return { rawKiB: bundle.length / 1024, gzipKiB: gzipSync(bundle).length / 1024 }
  } finally {
    await rm(outdir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { rawKiB, gzipKiB } = await measureBundle()
  console.log(`bundle: ${rawKiB.toFixed(1)} KiB raw, ${gzipKiB.toFixed(1)} KiB gzip (budget ${BUDGET_GZIP_KIB} KiB gzip)`)
  if (gzipKiB > BUDGET_GZIP_KIB) {
    console.error(`over budget by ${(gzipKiB - BUDGET_GZIP_KIB).toFixed(1)} KiB gzip`)
    process.exitCode = 1
  }
}
