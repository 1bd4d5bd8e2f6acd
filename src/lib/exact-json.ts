/**
 * Caller JSON read exactly as sent, or refused (README, Security). A number that would not survive a
 * double unchanged (12345678901234567891, 0.10000000000000000001, 1.0) stays as its own digits: it is
 * kept as JSON.rawJSON, which JSON.stringify writes back verbatim, so SOPS gets the very number the
 * caller sent. Forwarding beats refusing here: `data` and `inputs` are the task's own values, which the
 * gateway has no business narrowing to what JavaScript can hold. A key given twice with two values is
 * refused, since two readers of that body may each see another value; the parser (lossless-json)
 * already merges a key repeated with the same value, which no reader can read two ways.
 */
import { parse } from 'lossless-json'

/** A number kept as the text it was sent as (the runtime's JSON.rawJSON; TypeScript's lib lacks it). */
export interface RawNumber {
  readonly rawJSON: string
}

const json = JSON as JSON & { rawJSON(text: string): RawNumber; isRawJSON(value: unknown): value is RawNumber }

export const isRawNumber = (value: unknown): value is RawNumber => json.isRawJSON(value)

/** The key a body gave twice. */
export class DuplicateKey extends Error {
  readonly key: string
  constructor(key: string) {
    super('a key is given twice')
    this.key = key
  }
}

/** A number as a double when that prints back to the same text, else its digits as sent. */
const exactNumber = (text: string) => (String(Number(text)) === text ? Number(text) : json.rawJSON(text))

/** Parses JSON as sent; throws DuplicateKey, a SyntaxError, or a RangeError when it nests too deep to parse. */
export const parseExactJson = (text: string): unknown =>
  parse(text, undefined, {
    parseNumber: exactNumber,
    onDuplicateKey: ({ key }) => {
      throw new DuplicateKey(key)
    },
  })
