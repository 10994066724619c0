import { describe, expect, test } from 'bun:test'
import { topLevelValueSpan } from '../../src/protocol/json-span.ts'
import { recordedRequestBodies } from '../helpers.ts'

const valueOf = (text: string, key: string) => {
  const span = topLevelValueSpan(text, key)
  return span === undefined ? undefined : text.slice(span.start, span.end)
}

describe('topLevelValueSpan', () => {
  test('finds the tools of every recorded Claude Code request, exactly as written', () => {
    let withTools = 0
    for (const { file, body: text } of recordedRequestBodies()) {
      const parsed = JSON.parse(text) as { tools?: unknown; messages?: unknown; system?: unknown }
      const expected = parsed.tools === undefined ? undefined : JSON.stringify(parsed.tools)
      expect({ file, tools: valueOf(text, 'tools') }).toEqual({ file, tools: expected })
      expect(valueOf(text, 'messages')).toBe(JSON.stringify(parsed.messages))
      if (Array.isArray(parsed.system))
        expect(valueOf(text, 'system')).toBe(JSON.stringify(parsed.system))
      if (expected !== undefined) withTools++
    }
    expect(withTools).toBeGreaterThan(20)
  })

  test('a deeper "tools" key, or "tools" inside a string, is not the top-level one', () => {
    const text = JSON.stringify({
      messages: [
        { role: 'user', content: 'say "tools":[1] and \\"tools\\":[2] {[' },
        { role: 'assistant', content: [{ type: 'tool_use', input: { tools: ['nested'] } }] },
      ],
      system: '"tools":["in a string"]',
      tools: [{ name: 'a', input_schema: { properties: { tools: { default: ['deep'] } } } }],
    })
    expect(JSON.parse(valueOf(text, 'tools') ?? 'null')).toEqual(JSON.parse(text).tools)
    // Without the top-level member, nothing is found, however often the word appears below.
    const without = JSON.stringify({ ...JSON.parse(text), tools: undefined })
    expect(valueOf(without, 'tools')).toBeUndefined()
  })

  test('escapes before quotes: an escaped quote continues a string, an escaped backslash does not', () => {
    const text = JSON.stringify({
      a: 'ends with a backslash \\',
      b: 'quote \\" then more "tools":[0]',
      tools: [{ name: 'x\\"y' }],
    })
    expect(valueOf(text, 'tools')).toBe('[{"name":"x\\\\\\"y"}]')
  })

  test('whitespace, any member order, objects as well as arrays', () => {
    const text =
      '{\n  "tools" : [ {"name": "a"} ],\n  "model": "m",\n  "metadata" : { "user_id": "u" }\n}'
    expect(valueOf(text, 'tools')).toBe('[ {"name": "a"} ]')
    expect(valueOf(text, 'metadata')).toBe('{ "user_id": "u" }')
  })

  test('a scalar value, a missing member, malformed or non-object text give nothing', () => {
    expect(valueOf('{"tools":"none","x":[1]}', 'tools')).toBeUndefined()
    expect(valueOf('{"tools":null}', 'tools')).toBeUndefined()
    expect(valueOf('{"tools":7,"other":[1]}', 'tools')).toBeUndefined()
    expect(valueOf('{"model":"tools","x":[1]}', 'tools')).toBeUndefined()
    expect(valueOf('[{"tools":[1]}]', 'tools')).toBeUndefined()
    expect(valueOf('{"tools":[1', 'tools')).toBeUndefined()
    expect(valueOf('{"tools:[1]}', 'tools')).toBeUndefined()
    expect(valueOf('', 'tools')).toBeUndefined()
  })
})
