/**
 * The --remote store is `wrangler kv key … --remote`; the same code with `--local --persist-to` runs here,
 * on the storage the local store (Miniflare) uses, so both must see each other's writes.
 */
import { expect, it } from 'vitest'
import { openLocalKv, wranglerKv } from '../../scripts/lib/kv.ts'
import { localState } from '../../scripts/lib/state.ts'
import { tempStateDir } from './admin-helpers.ts'

it('wrangler kv and the local store read and write the same namespace', async () => {
  const { persistPath } = localState(tempStateDir())
  const viaWrangler = wranglerKv(['--local', '--persist-to', persistPath])
  const value = JSON.stringify({ quote: 'a "quoted" value', lines: 'one\ntwo' })

  expect(await viaWrangler.get('app:demo')).toBeNull()
  await viaWrangler.put('app:demo', value)
  expect(await viaWrangler.get('app:demo')).toBe(value)

  const local = await openLocalKv(persistPath)
  try {
    expect(await local.get('app:demo')).toBe(value)
    await local.put('app:other', '{}')
    expect(await viaWrangler.list('app:')).toEqual(['app:demo', 'app:other'])
    await viaWrangler.delete('app:demo')
    expect(await local.list('app:')).toEqual(['app:other'])
  } finally {
    await local.close()
  }
})
