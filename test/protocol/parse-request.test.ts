import { describe, expect, test } from 'bun:test'
import { RouterError } from '../../src/lib/errors.ts'
import { MessagesRequest } from '../../src/protocol/messages.ts'
import { parseBody } from '../../src/protocol/parse.ts'
import { parseMessagesRequest } from '../../src/protocol/parse-request.ts'
import { longContextBody } from '../../bench/bodies.ts'
import { fixtureBody } from '../helpers.ts'

const text = fixtureBody('print-bash', '01-main-turn1-stream.request.json')

function failureOf(body: string): string {
  try {
    parseMessagesRequest(body)
  } catch (error) {
    if (error instanceof RouterError) return error.message
    throw error
  }
  throw new Error('expected the body to be refused')
}

describe('parseMessagesRequest', () => {
  test('repeated tools are parsed once: the same list, the same request, members in place', () => {
    const first = parseMessagesRequest(text)
    const second = parseMessagesRequest(text)
    const plain = parseBody(MessagesRequest, text)
    expect(second.request.tools).toBe(
      first.request.tools as NonNullable<typeof first.request.tools>,
    )
    expect(second.request).toEqual(plain)
    expect(Object.keys(second.request)).toEqual(Object.keys(plain))
    expect(JSON.stringify(second.request)).toBe(JSON.stringify(plain))
    expect(second.toolsSource).toBe(JSON.stringify(plain.tools))
  })

  test('a later turn with other messages and the same tools gets the remembered list', () => {
    const first = parseMessagesRequest(text)
    const later = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')
    const parsed = parseMessagesRequest(later)
    expect(parsed.request).toEqual(parseBody(MessagesRequest, later))
    // Claude Code sent the very same tools on both turns of this recording.
    expect(parsed.request.tools).toBe(
      first.request.tools as NonNullable<typeof first.request.tools>,
    )
  })

  test('a long conversation is parsed whole: copying it to parse around the tools costs more', () => {
    const long = JSON.stringify(
      longContextBody(JSON.parse(text) as Record<string, unknown>, 300_000),
    )
    const first = parseMessagesRequest(long)
    const second = parseMessagesRequest(long)
    expect(second.request.tools).not.toBe(
      first.request.tools as NonNullable<typeof first.request.tools>,
    )
    expect(second.request).toEqual(parseBody(MessagesRequest, long))
    expect(second.toolsSource).toBe(JSON.stringify(first.request.tools))
  })

  test('changed tools are parsed afresh', () => {
    parseMessagesRequest(text)
    const changed = JSON.parse(text) as { tools: { description: string }[] }
    const tool = changed.tools[0]
    if (tool === undefined) throw new Error('the fixture has tools')
    tool.description = 'changed'
    const parsed = parseMessagesRequest(JSON.stringify(changed))
    expect(parsed.request.tools?.[0]?.description).toBe('changed')
    expect(parsed.request).toEqual(parseBody(MessagesRequest, JSON.stringify(changed)))
  })

  test('other whitespace is parsed in full, and equal', () => {
    const pretty = JSON.stringify(JSON.parse(text), null, 2)
    const first = parseMessagesRequest(pretty)
    const second = parseMessagesRequest(pretty)
    expect(second.request.tools).not.toBe(
      first.request.tools as NonNullable<typeof first.request.tools>,
    )
    expect(second.request).toEqual(parseBody(MessagesRequest, text))
  })

  test('a bad field next to remembered tools is still refused, by its path', () => {
    parseMessagesRequest(text)
    const bad = JSON.parse(text) as Record<string, unknown>
    bad.max_tokens = 'many'
    let plainFailure = 'accepted'
    try {
      parseBody(MessagesRequest, JSON.stringify(bad))
    } catch (error) {
      plainFailure = (error as Error).message
    }
    expect(failureOf(JSON.stringify(bad))).toBe(plainFailure)
    expect(failureOf(JSON.stringify(bad))).toStartWith('max_tokens')
    expect(failureOf(`${text.slice(0, -1)},`)).toStartWith('The request body is not valid JSON')
  })

  test('bad tools are refused as before', () => {
    const bad = JSON.parse(text) as { tools: unknown[] }
    bad.tools.push({ description: 'no name' })
    expect(failureOf(JSON.stringify(bad))).toStartWith('tools.')
  })
})
