import { describe, expect, test } from 'bun:test'
import {
  arrayEnd,
  elementSpans,
  topLevelValueSpan,
  topLevelValueSpans,
  topLevelValueStart,
} from '../../src/protocol/json-span.ts'
import { recordedRequestBodies, seeded } from '../helpers.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The member's value as text, found in the text's UTF-8 bytes. */
const valueOf = (text: string, key: string, expected?: string) => {
  const bytes = encoder.encode(text)
  const span = topLevelValueSpan(
    bytes,
    key,
    expected === undefined ? undefined : encoder.encode(expected),
  )
  return span === undefined ? undefined : decoder.decode(bytes.subarray(span.start, span.end))
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

  test('a repeated member: the last one, as JSON.parse keeps it', () => {
    expect(valueOf('{"tools":[1],"model":"m","tools":[2]}', 'tools')).toBe('[2]')
    expect(valueOf('{"tools":[1],"tools":null}', 'tools')).toBeUndefined()
  })

  test('an expected value is taken only where it is that member: else the text is read as usual', () => {
    const text = JSON.stringify({
      messages: [{ role: 'user', content: '"tools":[2]' }],
      tools: [1],
      other: [2],
      deeper: { tools: [2] },
      last: '"tools":[2]',
    })
    expect(valueOf(text, 'tools', '[1]')).toBe('[1]')
    // [2] ends a top-level value (other's), in a string and deeper down: none is the member.
    expect(valueOf(text, 'tools', '[2]')).toBe('[1]')
    expect(valueOf('{"tools":[2],"tools":[1]}', 'tools', '[2]')).toBe('[1]')
    expect(valueOf('{"tools":[1],"x":"a","tools":[2]}', 'tools', '[2]')).toBe('[2]')
    expect(valueOf('{"tools" : [2]}', 'tools', '[2]')).toBe('[2]')
    expect(valueOf('{"tools":[2]', 'tools', '[2]')).toBeUndefined()
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

describe('reading forwards: topLevelValueStart and arrayEnd', () => {
  /** The member's array as text, read forwards. */
  const forwardArray = (text: string, key: string) => {
    const bytes = encoder.encode(text)
    const start = topLevelValueStart(bytes, key)
    if (start === undefined) return undefined
    const end = arrayEnd(bytes, start + 1)
    return end < 0 ? 'not an array' : decoder.decode(bytes.subarray(start, end))
  }

  test('the member after others, whatever they hold, and the first of a repeated key', () => {
    const value = { x: { messages: [0] }, s: '"messages":[', messages: [{ a: ']' }, []] }
    const text = `{ "model" : "m", ${JSON.stringify(value).slice(1, -1)} , "messages":[2]}`
    // JSON.parse keeps the last; reading forwards finds the first (topLevelValueSpans the last).
    expect((JSON.parse(text) as { messages: unknown }).messages).toEqual([2])
    expect(forwardArray(text, 'messages')).toBe('[{"a":"]"},[]]')
    // Offered where the first one lies, the backward reading still takes the last.
    const bytes = encoder.encode(text)
    const start = topLevelValueStart(bytes, 'messages') ?? -1
    const end = arrayEnd(bytes, start + 1)
    const [span] = topLevelValueSpans(bytes, [
      { key: 'messages', startOf: (at) => (at === end ? start : undefined) },
    ])
    expect(decoder.decode(bytes.subarray(span?.start, span?.end))).toBe('[2]')
    expect(forwardArray('{"messages":[]}', 'messages')).toBe('[]')
    expect(forwardArray('{"model":"m"}', 'messages')).toBeUndefined()
    expect(forwardArray('{"model":"m" "messages":[]}', 'messages')).toBeUndefined()
    expect(forwardArray('{"model":,"messages":[]}', 'messages')).toBeUndefined()
    expect(forwardArray('["messages",[]]', 'messages')).toBeUndefined()
  })

  test('an array ends at its bracket; an element missing after a comma ends nothing', () => {
    const end = (text: string, at = 1) => arrayEnd(encoder.encode(text), at)
    const array = '[1, "a,]", {"b":[2]}, true]'
    expect(end(`${array} , 3`)).toBe(array.length)
    expect(end('[ ]')).toBe(3)
    expect(end('[1,]')).toBe(-1)
    expect(end('[1, ]', 4)).toBe(-1)
    expect(end('[1 2]')).toBe(-1)
    expect(end('[1, "open')).toBe(-1)
  })
})

describe('elementSpans', () => {
  test('every message of every recorded request, and every block, exactly as written', () => {
    let blocks = 0
    for (const { body: text } of recordedRequestBodies()) {
      const bytes = encoder.encode(text)
      const slices = (at: number) =>
        elementSpans(bytes, at)?.map(({ start, end }) => decoder.decode(bytes.subarray(start, end)))
      const messages = JSON.parse(text).messages as { content: unknown }[]
      const start = topLevelValueStart(bytes, 'messages') ?? -1
      expect(slices(start)).toEqual(messages.map((message) => JSON.stringify(message)))
      for (const [index, span] of (elementSpans(bytes, start) ?? []).entries()) {
        const content = messages[index]?.content
        if (!Array.isArray(content)) continue
        const contentStart = topLevelValueStart(bytes, 'content', span.start) ?? -1
        expect(slices(contentStart)).toEqual(content.map((block) => JSON.stringify(block)))
        blocks += content.length
      }
    }
    expect(blocks).toBeGreaterThan(100)
  })

  test('spacing kept out of the spans; no array, or one not well formed, gives nothing', () => {
    const spans = (text: string, at = 0) => elementSpans(encoder.encode(text), at)
    expect(spans('[ 1 , "a,]" ,{"b":[2]}\n]')).toEqual([
      { start: 2, end: 3 },
      { start: 6, end: 11 },
      { start: 13, end: 22 },
    ])
    expect(spans('[ ]')).toEqual([])
    expect(spans('{"a":1}')).toBeUndefined()
    expect(spans(' [1]')).toBeUndefined()
    expect(spans('[1,]')).toBeUndefined()
    expect(spans('[1 2]')).toBeUndefined()
    expect(spans('[1, "open')).toBeUndefined()
  })
})

describe('topLevelValueSpan against JSON.parse', () => {
  test('on 2 000 generated documents it finds exactly the member JSON.parse keeps', () => {
    let found = 0
    for (const { source, random } of generatedDocuments(2000)) {
      const parsed = JSON.parse(source) as Record<string, unknown>
      const tools = parsed.tools
      const member = valueOf(source, 'tools')
      // Expecting a value, the true member's or another one's, changes nothing found.
      const others = Object.values(parsed).map((other) => JSON.stringify(other) ?? '')
      const pickOne = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
      const expected = random() < 0.5 ? JSON.stringify(tools) : pickOne([...others, '[]'])
      expect({ source, expected, member: valueOf(source, 'tools', expected) }).toEqual({
        source,
        expected,
        member,
      })
      const container = typeof tools === 'object' && tools !== null
      if (!container) {
        expect({ source, member }).toEqual({ source, member: undefined })
        continue
      }
      found++
      expect(member).toBeDefined()
      expect(JSON.parse(member ?? 'null')).toEqual(tools)
    }
    expect(found).toBeGreaterThan(200)
  })

  test('several members at once, messages among them: each exactly as JSON.parse keeps it', () => {
    let found = 0
    for (const { source, random } of generatedDocuments(2000)) {
      const parsed = JSON.parse(source) as Record<string, unknown>
      const keys = Object.keys(parsed)
      const bytes = encoder.encode(source)
      const wanted = ['tools', 'system', 'messages'].map((key) => ({
        key,
        // The true value, another member's, or none: what is found must not depend on it.
        expected: [JSON.stringify(parsed[key]), JSON.stringify(parsed.model), undefined][
          Math.floor(random() * 3)
        ],
      }))
      // Where `messages` lies read forwards, offered or not (as the request parser offers it):
      // what is found must not depend on it either.
      const forwardStart = topLevelValueStart(bytes, 'messages')
      const forwardEnd = forwardStart === undefined ? -1 : arrayEnd(bytes, forwardStart + 1)
      const offered = random() < 0.5
      const spans = topLevelValueSpans(
        bytes,
        wanted.map(({ key, expected }) => ({
          key,
          expected: expected === undefined ? undefined : encoder.encode(expected),
          startOf:
            key === 'messages' && offered
              ? (end: number) => (end === forwardEnd ? forwardStart : undefined)
              : undefined,
        })),
      )
      for (const [index, { key }] of wanted.entries()) {
        const value = parsed[key]
        const span = spans[index]
        const text =
          span === undefined ? undefined : decoder.decode(bytes.subarray(span.start, span.end))
        if (typeof value !== 'object' || value === null) {
          expect({ source, key, text }).toEqual({ source, key, text: undefined })
          continue
        }
        found++
        expect({ source, key, value: JSON.parse(text ?? 'null') as unknown }).toEqual({
          source,
          key,
          value,
        })
      }
    }
    expect(found).toBeGreaterThan(300)
  })
})

/** Random JSON documents of a few members, with every character that trips a scanner. */
function* generatedDocuments(count: number): Generator<{ source: string; random: () => number }> {
  const random = seeded(0x5eed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const tricky = ['"', '\\', '\\"', '{', '}', '[', ']', ':', ',', '"tools":[', 'é', '🤖', '\n', ' ']
  const text = () =>
    Array.from({ length: Math.floor(random() * 6) }, () =>
      random() < 0.5 ? pick(tricky) : 'word',
    ).join('')
  const value = (depth: number): unknown => {
    const roll = random()
    if (depth > 3 || roll < 0.3) return pick([text(), 42, -1.5e3, true, false, null])
    if (roll < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1))
    const object: Record<string, unknown> = {}
    for (let index = Math.floor(random() * 4); index > 0; index--)
      object[pick(['tools', 'system', text(), 'input_schema'])] = value(depth + 1)
    return object
  }
  const spaced = (json: string) =>
    random() < 0.3 ? JSON.stringify(JSON.parse(json), null, 2) : json
  for (let round = 0; round < count; round++) {
    const document: Record<string, unknown> = {}
    for (let index = Math.floor(random() * 5); index > 0; index--)
      document[pick(['tools', 'messages', 'system', 'model', text()])] = value(0)
    yield { source: spaced(JSON.stringify(document)), random }
  }
}
