/**
 * What `npm run dev` passes on of wrangler's output: one line per call (the gateway's access line), so
 * wrangler's own request line, which repeats it with another time, is dropped; and an object a Worker
 * logs (an admin audit line), which workerd prints over several lines, arrives on one. With two
 * Workers, wrangler starts each line a Worker logs with its name (`[sops-edge] `): that stays.
 */
import { Transform, type TransformCallback } from 'node:stream'
import { stripVTControlCharacters } from 'node:util'

/** `[wrangler:info] POST /api/… 200 OK (12ms)`: wrangler's line for a request the gateway logged itself. */
const WRANGLER_REQUEST_LINE = /^\[wrangler:info\] [A-Z]+ \/\S* \d{3} /

/** The Worker's name wrangler puts first, if any, and the rest of the line. */
const WORKER_LINE = /^(\[[\w-]+\] )?(.*)$/

/** An object longer than this is not folded any further: it is passed on as it came. */
const MAX_FOLDED_LINES = 200

export function devOutput(): Transform {
  let partial = ''
  let object: { worker: string; lines: string[] } | undefined
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      const out: string[] = []
      for (const line of lines) {
        const plain = stripVTControlCharacters(line).trimEnd()
        const [, worker = '', text = ''] = WORKER_LINE.exec(plain) ?? []
        if (object) {
          object.lines.push(text.trim())
          if (text === '}' || object.lines.length >= MAX_FOLDED_LINES) {
            out.push(object.worker + object.lines.join(text === '}' ? ' ' : '\n'))
            object = undefined
          }
        } else if (text === '{') object = { worker, lines: ['{'] }
        else if (!WRANGLER_REQUEST_LINE.test(plain)) out.push(line)
      }
      done(null, out.map((line) => `${line}\n`).join(''))
    },
    flush(done: TransformCallback) {
      done(null, [...(object ? [object.worker + object.lines.join('\n')] : []), partial].filter(Boolean).join('\n'))
    },
  })
}
