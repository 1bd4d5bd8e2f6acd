/**
 * Headless Chromium for the browser tests: Debian's package (`apt-get install -y chromium`), driven by
 * playwright-core (whose own browser downloads cannot reach this network). Without it those tests say
 * so in their names and skip; nothing else depends on them.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Appended to a browser test's name when it cannot run here. */
export const browserSkipReason = existsSync(CHROMIUM) ? undefined : `skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`

/** Flags for a root user on a machine with no network but loopback: no sandbox, no background calls home. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/** A fresh browser profile in a temporary directory, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'sops-edge-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS })
  return {
    context,
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
