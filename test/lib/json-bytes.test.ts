import { describe, expect, test } from 'bun:test'
import { jsonBytes, keptJsonBytes, writeJsonBytes } from '../../src/lib/json-bytes.ts'
import { MessagesRequest } from '../../src/protocol/messages.ts'
import { parseBody } from '../../src/protocol/parse.ts'
import { convertRequest } from '../../src/providers/openai/convert-request.ts'
import { recordedRequestBodies } from '../helpers.ts'

function bytesOf(value: unknown): Uint8Array {
  const json = jsonBytes(value)
  const out = new Uint8Array(json.byteLength)
  expect(writeJsonBytes(json, out, 0)).toBe(json.byteLength)
  return out
}

/** Byte for byte what `JSON.stringify` and UTF-8 make, twice (the second from kept bytes). */
function expectSameAsStringify(value: unknown) {
  const expected = Buffer.from(JSON.stringify(value))
  expect(Buffer.from(bytesOf(value)).equals(expected)).toBe(true)
  expect(Buffer.from(bytesOf(value)).equals(expected)).toBe(true)
}

describe('jsonBytes', () => {
  test('every recorded Claude Code conversation, converted, is written as JSON.stringify writes it', () => {
    for (const { body } of recordedRequestBodies()) {
      const converted = convertRequest({
        request: parseBody(MessagesRequest, body),
        model: 'gpt-test',
        provider: { name: 'oai', endpoint: 'http://127.0.0.1:9/v1/chat/completions' },
        modelEntry: { id: 'gpt-test' },
      })
      expectSameAsStringify(converted.body.messages)
    }
  })

  test('long strings of every kind: escapes, characters beyond Latin-1, lone surrogates', () => {
    const long = (piece: string) => piece.repeat(Math.ceil(2000 / piece.length))
    expectSameAsStringify([
      long('plain ascii '),
      long('quote " backslash \\ newline \n tab \t nul \u0000 del \u007f '),
      long('é — “curly” 🤖 中文 '),
      long('lone \ud800 high, lone \udc00 low, pair \ud83e\udd16 '),
      { text: long('x'), nested: [long('y'), { deeper: long('z') }] },
    ])
  })

  test('what JSON.stringify leaves out or turns to null, numbers, toJSON', () => {
    const long = 'L'.repeat(1500)
    expectSameAsStringify({
      a: undefined,
      b: () => 1,
      c: Symbol('s'),
      d: [undefined, () => 1, Symbol('s'), null, long],
      e: [NaN, Infinity, -Infinity, -0, 1e21, 0.1, 42],
      f: new Date(0),
      g: { toJSON: () => ({ replaced: long }) },
      h: true,
      i: false,
      j: '',
      k: {},
      l: [],
      [long]: long,
    })
    expectSameAsStringify('a short string')
    expectSameAsStringify(long)
    expectSameAsStringify(null)
    expectSameAsStringify(3)
    expect(() => jsonBytes(undefined)).toThrow(TypeError)
  })

  test('kept bytes stay bounded: many long strings are written right after others pushed them out', () => {
    const texts = Array.from({ length: 600 }, (_, index) => `${index} ${'é'.repeat(10_000)}`)
    for (const text of texts) expectSameAsStringify({ content: text })
    expect(keptJsonBytes()).toBeLessThanOrEqual(8 * 1024 * 1024)
    expect(keptJsonBytes()).toBeGreaterThan(7 * 1024 * 1024)
    // The first ones were let go (8 MB are kept; these are 20 KB each) and are made again.
    expectSameAsStringify(texts.slice(0, 5))
  })
})
