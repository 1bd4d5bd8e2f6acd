/**
 * stdout carries a command's result and nothing else. Everything printed through `console`, the CLI's
 * own messages and the notices of wrangler and Miniflare alike, goes to stderr instead, without colour
 * codes unless stderr is a terminal (wrangler colours its warnings whatever the stream).
 */
import { Console } from 'node:console'
import { Writable } from 'node:stream'
import { stripVTControlCharacters } from 'node:util'

export function consoleToStderr(): void {
  const terminal = process.stderr.isTTY === true
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      process.stderr.write(terminal ? chunk : stripVTControlCharacters(chunk.toString()), done)
    },
  })
  globalThis.console = new Console({ stdout: stderr, stderr, colorMode: terminal })
}

/** A command's result: the text a person reads, or with `--json` the one JSON document a script parses. */
export interface Output {
  text: string
  json: unknown
}

export function printResult(result: Output, json: boolean): void {
  const text = json ? JSON.stringify(result.json, null, 2) : result.text
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}
