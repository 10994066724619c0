import { describe, expect, test } from 'bun:test'
import { replaceModel } from '../../../src/providers/anthropic/replace-model.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (value: Uint8Array) => new TextDecoder().decode(value)

describe('replaceModel', () => {
  test('a shorter name is written over the old one, the rest of it spaces; nothing is copied', () => {
    const body = bytes('{ "model" : "claude-opus-5-5" , "messages":[{"model":"inner"}]}')
    const replaced = replaceModel(body, 'served')
    expect(replaced).toBe(body)
    // "claude-opus-5-5" is 9 characters longer than "served".
    const padding = ' '.repeat(9)
    expect(text(body)).toBe(`{ "model" : "served"${padding} , "messages":[{"model":"inner"}]}`)
    expect(JSON.parse(text(body))).toEqual({ model: 'served', messages: [{ model: 'inner' }] })
  })

  test('a name of the same length leaves no spaces', () => {
    const body = bytes('{"model":"abc","max_tokens":1}')
    expect(text(replaceModel(body, 'xyz') ?? bytes(''))).toBe('{"model":"xyz","max_tokens":1}')
  })

  test('a longer name makes a new body and leaves the given one as it was', () => {
    const original = '{"max_tokens":1,\n  "model":"m",\n  "stream":true}'
    const body = bytes(original)
    const replaced = replaceModel(body, 'a-longer-model')
    expect(replaced).not.toBe(body)
    expect(text(body)).toBe(original)
    expect(text(replaced ?? bytes(''))).toBe(
      '{"max_tokens":1,\n  "model":"a-longer-model",\n  "stream":true}',
    )
  })

  test('lengths are counted in UTF-8 bytes, escapes included', () => {
    // "é" is two bytes and the escaped quote two: "café\"x" takes 10 of the 12 the old value had.
    const body = bytes('{"model":"0123456789","x":"é"}')
    const replaced = replaceModel(body, 'café"x')
    expect(replaced).toBe(body)
    expect(JSON.parse(text(body))).toEqual({ model: 'café"x', x: 'é' })
    // 13 bytes, one more than the old value had: copied.
    const tight = bytes('{"model":"0123456789"}')
    const grown = replaceModel(tight, 'café"xyzw')
    expect(grown).not.toBe(tight)
    expect(JSON.parse(text(grown ?? bytes('')))).toEqual({ model: 'café"xyzw' })
  })

  test('written over, then replaced again (a fallback): as if only the model had changed', () => {
    const original = '{"model":"claude-sonnet-5-0","messages":[]}'
    const body = bytes(original)
    expect(replaceModel(body, 'm1')).toBe(body)
    // Longer than "m1", shorter than the client's: in place again, in the room "m1" left.
    expect(replaceModel(body, 'second-model')).toBe(body)
    expect(text(body)).toBe(`{"model":"second-model"${' '.repeat(5)},"messages":[]}`)
    // Longer than the client's: a new body, the spaces taken out.
    const third = replaceModel(body, 'a-model-longer-than-the-client-sent')
    expect(text(third ?? bytes(''))).toBe(
      '{"model":"a-model-longer-than-the-client-sent","messages":[]}',
    )
  })

  test('no top-level string model: undefined, and the body untouched', () => {
    for (const json of ['{"messages":[{"model":"x"}]}', '{"model":5}', '{"model":null}', '[]']) {
      const body = bytes(json)
      expect(replaceModel(body, 'served')).toBeUndefined()
      expect(text(body)).toBe(json)
    }
  })
})
