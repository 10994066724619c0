import { describe, expect, test } from 'bun:test'
import { completeJson, createJsonScanner } from '../../../src/providers/openai/complete-json.ts'

describe('completeJson', () => {
  const truncated: Array<[string, string]> = [
    ['{', '}'],
    ['{"', '":null}'],
    ['{"pa', '":null}'],
    ['{"path"', ':null}'],
    ['{"path":', 'null}'],
    ['{"path": "/tmp/a', '"}'],
    ['{"a":"x\\', '\\"}'],
    ['{"a":"\\u00', '00"}'],
    ['{"a":1,', '"":null}'],
    ['{"a":-', '0}'],
    ['{"a":1.', '0}'],
    ['{"a":2e+', '0}'],
    ['{"a":12', '}'],
    ['{"a":tr', 'ue}'],
    ['{"a":nul', 'l}'],
    ['{"a":[1,{"b":[', ']}]}'],
    ['{"a":[1,', 'null]}'],
    ['[', ']'],
    ['"text', '"'],
    ['', 'null'],
  ]
  for (const [prefix, suffix] of truncated) {
    test(`${JSON.stringify(prefix)} is closed with ${JSON.stringify(suffix)}`, () => {
      expect(completeJson(prefix)).toBe(suffix)
      expect(() => JSON.parse(prefix + suffix)).not.toThrow()
    })
  }

  test('a complete value needs nothing', () => {
    expect(completeJson('{"a": [1, 2.5e3, "x\\n", true, null, {}]} ')).toBe('')
  })

  const notJson = [
    'command=ls',
    '{a:1}',
    "{'a':1}",
    '{"a":1}}',
    '{"a":1} x',
    '{"a" 1}',
    '[1,]',
    '{"a":01}',
    '{"a":tx}',
    '"\u0001"',
  ]
  for (const text of notJson) {
    test(`${JSON.stringify(text)} is not JSON`, () => {
      expect(completeJson(text)).toBeUndefined()
    })
  }
})

describe('createJsonScanner', () => {
  test('follows pieces split anywhere, even inside escapes and numbers', () => {
    const text = '{"path":"C:\\\\dir\\u00e9","n":-12.5e-3,"list":[true,false,null]}'
    const scanner = createJsonScanner()
    const states: string[] = []
    for (const char of text) {
      scanner.feed(char)
      states.push(scanner.state)
    }
    expect(states.at(-1)).toBe('complete')
    expect(states.slice(0, -1).every((state) => state === 'partial')).toBe(true)
    expect(scanner.started).toBe(true)
  })

  test('whitespace alone has not started', () => {
    const scanner = createJsonScanner()
    scanner.feed('  \n')
    expect({ state: scanner.state, started: scanner.started }).toEqual({
      state: 'partial',
      started: false,
    })
  })
})
