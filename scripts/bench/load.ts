/**
 * Load against Workers' sockets from a separate process (./loader.ts), and what workerd spent on it:
 * the CPU time of the workerd process (utime + stime from /proc) over exactly the loaded interval.
 */
import { fork } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { percentile } from './stats.ts'

export interface Target {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Paths (with query) to pick from at random for each request, e.g. one key out of many. */
  paths?: string[]
  /** A header given a new value on every request, e.g. `Idempotency-Key`. */
  uniqueHeader?: string
}

export interface LoadJob {
  /** Loaded at the same time, each with its own connections. */
  targets: Target[]
  connections: number
  /** Load before the measured run, without a pause, so the measured run starts warm. */
  warmupSeconds: number
  seconds: number
  /** The `dur` of each response's Server-Timing metric of this name is collected. */
  serverTiming?: string
  /** The value of this header of each 200 response is collected (a number). */
  admittedAtHeader?: string
}

export interface LoadResult {
  requests: number
  rps: number
  /** Client latency, ms. */
  p50: number
  p99: number
  statuses: Record<string, number>
  serverTiming: number[]
  admittedAt: number[]
}

export type LoadMessage = { type: 'start' } | { type: 'done'; result: LoadResult }

export interface Measured extends LoadResult {
  /** CPU time of the workerd process per request, µs. */
  cpuUs: number
  /** How much the counter given to measure() grew during the measured run. */
  counted: number
}

export const LOAD = { connections: 32, warmupSeconds: 2, seconds: 5 }

const LOADER = fileURLToPath(new URL('./loader.ts', import.meta.url))

/** Runs a job in a new loader process; `onStart` runs when the measured run begins. */
export function runLoad(job: LoadJob, onStart: () => void = () => undefined): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(LOADER, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.on('message', (message: LoadMessage) => {
      if (message.type === 'start') onStart()
      else resolve(message.result)
    })
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`the load generator exited (${code}) without a result`)))
    child.send(job)
  })
}

/**
 * A warm-up, then a measured run, with workerd's CPU time (and `counter`, e.g. limiter calls) read
 * as the measured run starts and when it ends.
 */
export async function measure(targets: Target[], options: Partial<LoadJob> = {}, counter = async () => 0): Promise<Measured> {
  const workerd = workerdPid()
  let before = { ticks: 0, count: Promise.resolve(0) }
  const result = await runLoad(
    { targets, connections: LOAD.connections, warmupSeconds: LOAD.warmupSeconds, seconds: LOAD.seconds, ...options },
    () => (before = { ticks: cpuTicks(workerd), count: counter() }),
  )
  const ticks = cpuTicks(workerd) - before.ticks
  const counted = (await counter()) - (await before.count)
  return { ...result, cpuUs: (ticks * (1e6 / CLOCK_TICKS)) / result.requests, counted }
}

/** Linux's USER_HZ, fixed at 100 by the /proc ABI: /proc counts CPU time in these. */
const CLOCK_TICKS = 100

/** The workerd process Miniflare started: a child of this process. */
function workerdPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(entry)
    if (stat && stat.comm === 'workerd' && stat.fields[1] === String(process.pid)) return Number(entry)
  }
  throw new Error('no workerd process among the children of this one')
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readStat(String(pid))
  if (!stat) throw new Error(`workerd (pid ${pid}) is gone`)
  // After "pid (comm)": state is field 3, utime 14 and stime 15 (proc(5)).
  return Number(stat.fields[11]) + Number(stat.fields[12])
}

function readStat(pid: string): { comm: string; fields: string[] } | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  const close = text.lastIndexOf(')')
  return { comm: text.slice(text.indexOf('(') + 1, close), fields: text.slice(close + 2).split(' ') }
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

export function printRow(label: string, m: Measured): void {
  const statuses = Object.entries(m.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ')
  console.log(
    `${label.padEnd(44)} ${fixed(m.rps, 0).padStart(6)} req/s  CPU ${fixed(m.cpuUs, 0).padStart(4)} µs/req  ` +
      `p50 ${fixed(m.p50, 2).padStart(5)} ms  p99 ${fixed(m.p99, 2).padStart(6)} ms  ${statuses}`,
  )
}

/** The line under a row: the p50 and p99 of the Server-Timing metric the run collected, named by `what`. */
export function printServerTiming(what: string, m: Measured): void {
  console.log(`${''.padEnd(36)} ${what}: p50 ${percentile(m.serverTiming, 0.5).toFixed(2)} ms, p99 ${percentile(m.serverTiming, 0.99).toFixed(2)} ms`)
}

export function printHeader(title: string): void {
  console.log(
    `\n${title}\n(${LOAD.connections} connections, ${LOAD.warmupSeconds} s warm-up + ${LOAD.seconds} s measured; ` +
      'autocannon in its own process → workerd via Miniflare; CPU = workerd utime+stime ÷ requests)',
  )
}

/** One request before the load, so a misconfigured run stops with the reason instead of timing errors. */
export async function expectOk(target: Target): Promise<void> {
  const url = new URL(target.paths?.[0] ?? '', target.url)
  const res = await fetch(url, {
    method: target.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...target.headers },
    ...(target.body === undefined ? {} : { body: target.body }),
  })
  const body = await res.text()
  if (!res.ok) throw new Error(`${target.method ?? 'GET'} ${url.pathname} answered ${res.status}: ${body}`)
}

