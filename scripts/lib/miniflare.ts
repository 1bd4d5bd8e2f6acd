/**
 * A Miniflare instance that only lends Node its bindings (a KV namespace, another Worker): its own
 * Worker does nothing. Miniflare is imported on first use, as it takes a second to load.
 */
import type { Miniflare, V4MiniflareOptions } from 'miniflare'
import { workerConfig } from './config.ts'

export async function bindingsOnly(options: Omit<V4MiniflareOptions, 'modules' | 'script' | 'workers'>): Promise<Miniflare> {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: 'export default { fetch: () => new Response(null, { status: 404 }) }',
      compatibilityDate: workerConfig().compatibilityDate,
      ...options,
    } as V4MiniflareOptions),
  )
  await mf.ready
  return mf
}
