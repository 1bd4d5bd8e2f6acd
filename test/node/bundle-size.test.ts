/** The Worker bundle stays within its budget (issue 13): zod's locales and the like must not creep back. */
import { expect, it } from 'vitest'
import { BUDGET_GZIP_KIB, measureBundle } from '../../scripts/size.ts'

it(`bundles to at most ${BUDGET_GZIP_KIB} KiB gzip`, async () => {
  const { gzipKiB } = await measureBundle()
  expect(gzipKiB).toBeLessThanOrEqual(BUDGET_GZIP_KIB)
})
