/**
 * The live-status line of `npm run bench`: `watchers` streams of one task through the gateway, and how
 * many get_task_status calls reached the origin per second while they watched (docs/live-status.md).
 */
import type { Cluster } from './cluster.ts'

const AUTHORIZATION = JSON.stringify({ bk_app_code: 'esb_test', bk_app_secret: 'xxx', bk_token: 'xxx' })

export async function originCallsPerSecond(cluster: Cluster, gateway: string, watchers: number, seconds: number): Promise<number> {
  const base = await cluster.url(gateway)
  const origin = await cluster.url('origin')
  const statusCalls = async () => (await (await fetch(new URL('/__status_calls', origin))).json()) as number
  const stop = new AbortController()
  const streams = await Promise.all(
    Array.from({ length: watchers }, async () => {
      const res = await fetch(new URL('/api/bk-sops/prod/watch_task_status/12/2/', base), {
        headers: { 'X-Bkapi-Authorization': AUTHORIZATION },
        signal: stop.signal,
      })
      if (res.status !== 200 || !res.body) throw new Error(`watch_task_status answered HTTP ${res.status}: ${await res.text()}`)
      const reader = res.body.getReader()
      await reader.read() // the first event: every watcher is in
      return reader
    }),
  )
  try {
    const before = await statusCalls()
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    return ((await statusCalls()) - before) / seconds
  } finally {
    stop.abort()
    await Promise.allSettled(streams.map((reader) => reader.cancel()))
  }
}
