/**
 * `npm run size`: the Worker bundle exactly as `wrangler deploy` would upload it (a dry run), raw and
 * gzipped, against the budget. Exits 1 over budget; test/node/bundle-size.test.ts runs it too.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { bundleWorker } from './lib/worker.ts'

export const BUDGET_GZIP_KIB = 100

export async function measureBundle(): Promise<{ rawKiB: number; gzipKiB: number }> {
  const bundle = await bundleWorker()
  try {
    const code = await readFile(join(bundle.dir, 'index.js'))
    return { rawKiB: code.length / 1024, gzipKiB: gzipSync(code).length / 1024 }
  } finally {
    await bundle.dispose()
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
