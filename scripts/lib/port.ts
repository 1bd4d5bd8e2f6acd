/** Whether a port is free where a server would listen, checked by listening on it as the server would. */
import { lookup } from 'node:dns/promises'
import { createServer } from 'node:net'
import { UserError } from './errors.ts'

/** Every address `host` stands for (`localhost` is often both 127.0.0.1 and ::1); `*` is every interface. */
async function addressesOf(host: string): Promise<string[]> {
  if (host === '*') return ['0.0.0.0']
  try {
    return (await lookup(host, { all: true })).map((entry) => entry.address)
  } catch (err) {
    throw new UserError(`cannot resolve ${host}: ${(err as Error).message}`)
  }
}

/** true when free, false when in use; an address this machine does not have is skipped, as the server would. */
function canListen(port: number, address: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(false)
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT') resolve(true)
      else reject(new UserError(`cannot listen on ${address} port ${port}: ${err.message}`))
    })
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

export async function portIsFree(host: string, port: number): Promise<boolean> {
  for (const address of await addressesOf(host)) {
    if (!(await canListen(port, address))) return false
  }
  return true
}

/** The first free port after `port`, to suggest one that works. */
export async function nextFreePort(host: string, port: number): Promise<number | undefined> {
  for (let candidate = port + 1; candidate <= Math.min(port + 100, 65_535); candidate++) {
    if (await portIsFree(host, candidate)) return candidate
  }
  return undefined
}
