/**
 * What `npm run dev` passes on of wrangler's output: one line per call (the gateway's access line), so
 * wrangler's own request line, which repeats it with another time, is dropped; and an object the
 * Worker logs (an admin audit line), which workerd prints over several lines, arrives on one. With two
 * Workers wrangler prefixes each one's lines with its name: the gateway's lines go without it (they
 * are the terminal's main voice), the engine's keep theirs.
 */
import { Transform, type TransformCallback } from 'node:stream'
import { stripVTControlCharacters } from 'node:util'

/** `[wrangler:info] POST /api/… 200 OK (12ms)`: wrangler's line for a request the gateway logged itself. */
const WRANGLER_REQUEST_LINE = /^\[wrangler:info\] [A-Z]+ \/\S* \d{3} /

/** A top-level object as workerd prints it: `{` alone on a line, up to `}` alone on a line. */
const OBJECT_START = '{'
const OBJECT_END = '}'
/** An object longer than this is not folded any further: it is passed on as it came. */
const MAX_FOLDED_LINES = 200

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function devOutput(gatewayName: string): Transform {
  const gatewayPrefix = new RegExp(`^\\[${escapeRegExp(gatewayName)}\\] `)
  let partial = ''
  let object: string[] | undefined
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      const out: string[] = []
      for (const line of lines) {
        const plain = stripVTControlCharacters(line).trimEnd().replace(gatewayPrefix, '')
        if (object) {
          object.push(plain.trim())
          if (plain === OBJECT_END || object.length >= MAX_FOLDED_LINES) {
            out.push(plain === OBJECT_END ? object.join(' ') : object.join('\n'))
            object = undefined
          }
        } else if (plain === OBJECT_START) object = [OBJECT_START]
        else if (!WRANGLER_REQUEST_LINE.test(plain)) out.push(gatewayPrefix.test(stripVTControlCharacters(line)) ? plain : line)
      }
      done(null, out.map((line) => `${line}\n`).join(''))
    },
    flush(done: TransformCallback) {
      done(null, [...(object ?? []), partial].filter(Boolean).join('\n'))
    },
  })
}
