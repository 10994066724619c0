import { describe, expect, test } from 'bun:test'
import { cacheKey } from '../../src/cache/cache-key.ts'
import type { MessagesRequest } from '../../src/protocol/messages.ts'
import { fixtureBody } from '../helpers.ts'

const reference = 'anthropic,claude-opus-5-5'

/** A fresh copy of a recorded Claude Code request body, to change at will. */
function recorded(file: string): MessagesRequest {
  return JSON.parse(fixtureBody('print-bash', file)) as MessagesRequest
}
const turn1 = () => recorded('01-main-turn1-stream.request.json')
const turn2 = () => recorded('02-main-turn2-tool-result-stream.request.json')

const keyOf = (request: MessagesRequest, target = reference) =>
  cacheKey({ reference: target, request })

/** The same JSON with every object's keys in reverse order. */
function reversedKeys<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, field: unknown) => {
      if (typeof field !== 'object' || field === null || Array.isArray(field)) return field
      return Object.fromEntries(Object.entries(field).reverse())
    }),
  ) as T
}

/** Records as the tests walk them: blocks are only known by their `type`. */
type Block = Record<string, unknown>
const blocksOf = (request: MessagesRequest, message: number): Block[] => {
  const content = request.messages[message]?.content
  if (!Array.isArray(content)) throw new Error(`message ${message} has no blocks`)
  return content
}

describe('requests that ask the same thing share a key', () => {
  test('a sha256 in hex', () => {
    expect(keyOf(turn1())).toMatch(/^[0-9a-f]{64}$/)
  })

  test('object keys in another order', () => {
    const request = turn2()
    const reversed = reversedKeys(request)
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(request))
    expect(keyOf(reversed)).toBe(keyOf(request))
  })

  test('cache_control markers moved, added or removed', () => {
    const request = turn2()
    const moved = turn2()
    // Claude Code marks the newest turn; here the marker moves to the first user block instead.
    const toolResult = blocksOf(moved, 3)[0]
    expect(toolResult?.cache_control).toEqual({ type: 'ephemeral' })
    delete toolResult?.cache_control
    const firstText = blocksOf(moved, 0)[0]
    if (firstText !== undefined) firstText.cache_control = { type: 'ephemeral', ttl: '1h' }
    const tool = moved.tools?.[0]
    if (tool !== undefined) tool.cache_control = { type: 'ephemeral' }
    const system = moved.system
    if (Array.isArray(system)) for (const block of system) delete block.cache_control
    const automatic = { ...moved, cache_control: { type: 'ephemeral' } }
    expect(keyOf(moved)).toBe(keyOf(request))
    expect(keyOf(automatic)).toBe(keyOf(request))
  })

  test('another session: different metadata', () => {
    const request = turn1()
    const other = { ...turn1(), metadata: { user_id: '{"session_id":"another"}' } }
    const none = { ...turn1(), metadata: undefined }
    expect(keyOf(other)).toBe(keyOf(request))
    expect(keyOf(none)).toBe(keyOf(request))
  })

  test('streamed or not', () => {
    expect(keyOf({ ...turn1(), stream: false })).toBe(keyOf({ ...turn1(), stream: true }))
    expect(keyOf({ ...turn1(), stream: undefined })).toBe(keyOf(turn1()))
  })

  test('another model name sent for the same route target', () => {
    expect(keyOf({ ...turn1(), model: 'claude-haiku-4-5' })).toBe(keyOf(turn1()))
  })

  test('other tool ids, paired the same way', () => {
    const request = turn2()
    const text = JSON.stringify(request).replaceAll('toolu_mock000000000001', 'toolu_01XyZ')
    const renamed = JSON.parse(text) as MessagesRequest
    expect(blocksOf(renamed, 2)[1]?.id).toBe('toolu_01XyZ')
    expect(blocksOf(renamed, 3)[0]?.tool_use_id).toBe('toolu_01XyZ')
    expect(keyOf(renamed)).toBe(keyOf(request))
  })
})

describe('requests that ask something else do not', () => {
  const base = keyOf(turn2())

  test('another system prompt', () => {
    const request = turn2()
    const system = request.system
    if (!Array.isArray(system)) throw new Error('the recorded system is a list of blocks')
    const last = system.at(-1)
    if (last !== undefined) last.text = `${String(last.text)} Be brief.`
    expect(keyOf(request)).not.toBe(base)
  })

  test('another message text', () => {
    const request = turn2()
    const result = blocksOf(request, 3)[0]
    if (result !== undefined) result.content = 'goodbye'
    expect(keyOf(request)).not.toBe(base)
  })

  test('other tools', () => {
    const request = turn2()
    expect(keyOf({ ...request, tools: request.tools?.slice(1) })).not.toBe(base)
    const tools = request.tools?.map((tool, index) =>
      index === 0 ? { ...tool, description: 'Something else.' } : tool,
    )
    expect(keyOf({ ...request, tools })).not.toBe(base)
  })

  test('another temperature or sampling setting', () => {
    const request = turn2()
    const zero = keyOf({ ...request, temperature: 0 })
    expect(zero).not.toBe(base)
    expect(keyOf({ ...request, temperature: 0.5 })).not.toBe(zero)
    expect(keyOf({ ...request, top_p: 0.9 })).not.toBe(base)
    expect(keyOf({ ...request, max_tokens: 1024 })).not.toBe(base)
    expect(keyOf({ ...request, stop_sequences: ['\n\nHuman:'] })).not.toBe(base)
  })

  test('another route target', () => {
    expect(keyOf(turn2(), 'deepseek,deepseek-chat')).not.toBe(base)
  })

  test('thinking, effort or a field ccr does not know', () => {
    const request = turn2()
    expect(keyOf({ ...request, thinking: { type: 'disabled' } })).not.toBe(base)
    expect(keyOf({ ...request, output_config: { effort: 'high' } })).not.toBe(base)
    const withUnknownField = { ...request, context_management: { edits: [] } }
    expect(keyOf(withUnknownField)).not.toBe(base)
  })

  test('the same tool ids paired the other way round', () => {
    const call = (id: string) => ({ type: 'tool_use', id, name: 'Bash', input: { command: id } })
    const result = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: `ran ${id}` })
    const asked = (first: string, second: string): MessagesRequest => ({
      model: 'claude-opus-5-5',
      max_tokens: 1024,
      messages: [
        { role: 'user', content: 'run a and b' },
        { role: 'assistant', content: [call('a'), call('b')] },
        { role: 'user', content: [result(first), result(second)] },
      ],
    })
    expect(keyOf(asked('a', 'b'))).not.toBe(keyOf(asked('b', 'a')))
  })

  test('a cache_control key inside a tool input is the user’s data, not a marker', () => {
    const request = turn2()
    const call = blocksOf(request, 2)[1]
    if (call !== undefined) call.input = { ...(call.input as object), cache_control: 'yes' }
    expect(keyOf(request)).not.toBe(base)
  })
})
