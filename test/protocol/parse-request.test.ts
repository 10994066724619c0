import { describe, expect, setSystemTime, test } from 'bun:test'
import { longContextBody } from '../../bench/bodies.ts'
import { RouterError } from '../../src/lib/errors.ts'
import { MessagesRequest, type MessageParam, type Tool } from '../../src/protocol/messages.ts'
import { parseBody } from '../../src/protocol/parse.ts'
import { isRemembered, parseMessagesRequest } from '../../src/protocol/parse-request.ts'
import { fixtureBody, recordedRequestBodies, seeded } from '../helpers.ts'

const text = fixtureBody('print-bash', '01-main-turn1-stream.request.json')

function toolsOf(request: MessagesRequest): Tool[] {
  if (request.tools === undefined) throw new Error('the request has tools')
  return request.tools
}

function failureOf(body: string): string {
  try {
    parseMessagesRequest(bytesOf(body))
  } catch (error) {
    if (error instanceof RouterError) return error.message
    throw error
  }
  return 'accepted'
}

function plainFailureOf(body: string): string {
  try {
    parseBody(MessagesRequest, body)
  } catch (error) {
    return (error as Error).message
  }
  return 'accepted'
}

describe('parseMessagesRequest', () => {
  test('repeated tools are parsed once: the same list, the same request, members in place', () => {
    const first = parseMessagesRequest(bytesOf(text))
    const second = parseMessagesRequest(bytesOf(text))
    const plain = parseBody(MessagesRequest, text)
    expect(toolsOf(second)).toBe(toolsOf(first))
    expect(isRemembered(toolsOf(second))).toBe(true)
    expect(second).toEqual(plain)
    expect(Object.keys(second)).toEqual(Object.keys(plain))
    expect(JSON.stringify(second)).toBe(JSON.stringify(plain))
  })

  test('a remembered list cannot change: it is frozen to the leaves', () => {
    const tools = toolsOf(parseMessagesRequest(bytesOf(text)))
    const tool = tools[0]
    if (tool === undefined) throw new Error('the fixture has tools')
    expect(() => tools.push(tool)).toThrow()
    expect(() => {
      tool.description = 'changed'
    }).toThrow()
    expect(() => {
      ;(tool.input_schema as Record<string, unknown>).type = 'array'
    }).toThrow()
  })

  test('a later turn with other messages and the same tools gets the remembered list', () => {
    const first = parseMessagesRequest(bytesOf(text))
    const later = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')
    const parsed = parseMessagesRequest(bytesOf(later))
    expect(parsed).toEqual(parseBody(MessagesRequest, later))
    // Claude Code sent the very same tools on both turns of this recording.
    expect(toolsOf(parsed)).toBe(toolsOf(first))
  })

  test('a long conversation is parsed whole, and still gets the remembered list', () => {
    const first = parseMessagesRequest(bytesOf(text))
    const long = JSON.stringify(
      longContextBody(JSON.parse(text) as Record<string, unknown>, 300_000),
    )
    const parsed = parseMessagesRequest(bytesOf(long))
    expect(parsed).toEqual(parseBody(MessagesRequest, long))
    expect(toolsOf(parsed)).toBe(toolsOf(first))
  })

  test('changed tools are parsed afresh', () => {
    const first = parseMessagesRequest(bytesOf(text))
    const changed = JSON.parse(text) as { tools: { description: string }[] }
    const tool = changed.tools[0]
    if (tool === undefined) throw new Error('the fixture has tools')
    tool.description = 'changed'
    const parsed = parseMessagesRequest(bytesOf(JSON.stringify(changed)))
    expect(parsed.tools?.[0]?.description).toBe('changed')
    expect(toolsOf(parsed)).not.toBe(toolsOf(first))
    expect(parsed).toEqual(parseBody(MessagesRequest, JSON.stringify(changed)))
  })

  test('other whitespace is parsed in full every time, and equal', () => {
    const pretty = JSON.stringify(JSON.parse(text), null, 2)
    const first = parseMessagesRequest(bytesOf(pretty))
    const second = parseMessagesRequest(bytesOf(pretty))
    expect(toolsOf(second)).not.toBe(toolsOf(first))
    expect(isRemembered(toolsOf(second))).toBe(false)
    expect(second).toEqual(parseBody(MessagesRequest, text))
  })

  test('the system prompt is remembered as the tools are: the same frozen blocks', () => {
    const first = parseMessagesRequest(bytesOf(text))
    const later = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')
    const parsed = parseMessagesRequest(bytesOf(later))
    const system = parsed.system
    if (!Array.isArray(system)) throw new Error('Claude Code sends system blocks')
    expect(system).toBe(first.system as typeof system)
    expect(isRemembered(system)).toBe(true)
    expect(Object.isFrozen(system[0])).toBe(true)
    expect(parsed).toEqual(parseBody(MessagesRequest, later))
    expect(Object.keys(parsed)).toEqual(Object.keys(parseBody(MessagesRequest, later)))
  })

  test('a changed system prompt is parsed afresh; one as a string is not remembered, one before messages is', () => {
    const first = parseMessagesRequest(bytesOf(text))
    const changed = JSON.parse(text) as { system: { text: string }[] }
    const block = changed.system[1]
    if (block === undefined) throw new Error('the fixture has system blocks')
    block.text = 'You are a different agent.'
    const parsed = parseMessagesRequest(bytesOf(JSON.stringify(changed)))
    expect(parsed.system).not.toBe(first.system as NonNullable<typeof first.system>)
    expect(parsed).toEqual(parseBody(MessagesRequest, JSON.stringify(changed)))

    const { system: _system, ...rest } = JSON.parse(text) as Record<string, unknown>
    const asString = JSON.stringify({ ...rest, system: 'Be brief.' })
    expect(parseMessagesRequest(bytesOf(asString)).system).toBe('Be brief.')
    const before = JSON.stringify({ system: first.system, ...rest })
    for (let turn = 0; turn < 2; turn++) {
      const early = parseMessagesRequest(bytesOf(before))
      expect(early).toEqual(parseBody(MessagesRequest, before))
      // The scan reads through the messages to find them, so members before them are found too.
      expect(early.system).toBe(first.system as NonNullable<typeof first.system>)
      expect(early.tools).toBe(first.tools as NonNullable<typeof first.tools>)
    }
  })

  test('a bad system prompt is refused by its path, remembered tools or not', () => {
    parseMessagesRequest(bytesOf(text))
    const bad = JSON.parse(text) as Record<string, unknown>
    bad.system = [{ text: 'no type' }]
    expect(failureOf(JSON.stringify(bad))).toBe(plainFailureOf(JSON.stringify(bad)))
    expect(failureOf(JSON.stringify(bad))).toStartWith('system')
  })

  test('a bad field next to remembered tools is still refused, by its path', () => {
    parseMessagesRequest(bytesOf(text))
    const bad = JSON.parse(text) as Record<string, unknown>
    bad.max_tokens = 'many'
    expect(failureOf(JSON.stringify(bad))).toBe(plainFailureOf(JSON.stringify(bad)))
    expect(failureOf(JSON.stringify(bad))).toStartWith('max_tokens')
    expect(failureOf(`${text.slice(0, -1)},`)).toStartWith('The request body is not valid JSON')
  })

  test('bad tools are refused as before', () => {
    const bad = JSON.parse(text) as { tools: unknown[] }
    bad.tools.push({ description: 'no name' })
    expect(failureOf(JSON.stringify(bad))).toStartWith('tools.')
  })
})

describe('a conversation sent again, one turn longer', () => {
  const conversation = JSON.parse(
    fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json'),
  ) as { messages: Record<string, unknown>[] } & Record<string, unknown>
  const turn = (messages: unknown[]) => JSON.stringify({ ...conversation, messages })
  const grown = [
    ...conversation.messages,
    { role: 'assistant', content: [{ type: 'text', text: 'Done: it printed hello.' }] },
    { role: 'user', content: [{ type: 'text', text: 'Now say it in French — s’il te plaît.' }] },
  ]

  test('the messages sent before are the same objects; only the new ones are parsed', () => {
    const first = parseMessagesRequest(bytesOf(turn(conversation.messages)))
    const next = parseMessagesRequest(bytesOf(turn(grown)))
    expect(next).toEqual(parseBody(MessagesRequest, turn(grown)))
    const known = conversation.messages.length
    for (let index = 0; index < known; index++) {
      expect(next.messages[index]).toBe(first.messages[index] as MessageParam)
    }
    expect(isRemembered(next.messages[0] as MessageParam)).toBe(true)
    expect(Object.isFrozen(next.messages[known])).toBe(true)
    // The list itself too: what the next turn is handed cannot be changed downstream.
    expect(Object.isFrozen(next.messages)).toBe(true)
    // The same conversation again: every message known.
    const again = parseMessagesRequest(bytesOf(turn(grown)))
    expect(again.messages.every((message, index) => message === next.messages[index])).toBe(true)
    expect(again).toEqual(next)
  })

  test('a message changed since (a cache marker moved) is parsed afresh, those before it are kept', () => {
    const first = parseMessagesRequest(bytesOf(turn(grown)))
    const moved = structuredClone(grown) as { content: Record<string, unknown>[] }[]
    const last = moved.at(-1)?.content[0]
    if (last === undefined) throw new Error('the last message has a block')
    last.cache_control = { type: 'ephemeral' }
    const parsed = parseMessagesRequest(bytesOf(turn(moved)))
    expect(parsed).toEqual(parseBody(MessagesRequest, turn(moved)))
    expect(parsed.messages.at(-2)).toBe(first.messages.at(-2) as MessageParam)
    expect(parsed.messages.at(-1)).not.toBe(first.messages.at(-1) as MessageParam)
    // An earlier message edited (context management clears old tool results): kept up to it.
    const cleared = structuredClone(grown) as { role: string; content: unknown }[]
    const second = cleared[1]
    if (second === undefined) throw new Error('the conversation has two messages')
    second.content = [{ type: 'text', text: '[cleared]' }]
    const edited = parseMessagesRequest(bytesOf(turn(cleared)))
    expect(edited).toEqual(parseBody(MessagesRequest, turn(cleared)))
    expect(edited.messages[0]).toBe(first.messages[0] as MessageParam)
    expect(edited.messages[1]).not.toBe(first.messages[1] as MessageParam)
  })

  test('a bad new message is refused by its index in the whole conversation', () => {
    parseMessagesRequest(bytesOf(turn(grown)))
    const bad = turn([...grown, { role: 'robot', content: 'hi' }])
    expect(failureOf(bad)).toBe(plainFailureOf(bad))
    expect(failureOf(bad)).toStartWith(`messages.${grown.length}`)
  })

  test('every recorded request, and each grown by a turn, parses as JSON.parse reads it', () => {
    for (const { file, body } of recordedRequestBodies()) {
      const recorded = JSON.parse(body) as { messages?: unknown[] }
      const messages = recorded.messages ?? []
      const next = JSON.stringify({
        ...recorded,
        messages: [...messages, { role: 'user', content: `one more turn after ${file}` }],
      })
      // Cold, known, then one turn longer: the same request as a plain parse each time.
      for (const text of [body, body, next]) {
        expect({ file, request: parseMessagesRequest(bytesOf(text)) }).toEqual({
          file,
          request: parseBody(MessagesRequest, text),
        })
      }
    }
  })

  test('3 000 bodies one edit away from a known conversation: each as a plain parse has it', () => {
    // Edits at and around where the known messages end (where the memo cuts, and where it
    // starts reading forwards), and anywhere else: accepted with the same request, or refused,
    // as plain parsing. Found the trailing comma the memo once let through (`[…known,]`).
    const known = turn(grown)
    const next = turn([...grown, { role: 'user', content: 'and once more, in German' }])
    const junction =
      known.indexOf(JSON.stringify(grown.at(-1))) + JSON.stringify(grown.at(-1)).length
    const pieces = [',', ']', '[', '"', '\\', '}', '{', ' ', 'x', ':', '""', '],', ',]', '},{']
    const random = seeded(0xbeef)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    let refused = 0
    for (let round = 0; round < 3000; round++) {
      parseMessagesRequest(bytesOf(known))
      const where = random()
      const at =
        where < 0.25
          ? junction - 1 + Math.floor(random() * 3)
          : where < 0.5
            ? junction - 8 + Math.floor(random() * 16)
            : where < 0.75
              ? junction - 40 + Math.floor(random() * 120)
              : Math.floor(random() * next.length)
      const edit = pick(['insert', 'delete', 'replace'] as const)
      const piece = pick(pieces)
      // The known conversation itself, or one turn longer.
      const base = pick([known, next])
      const text =
        edit === 'insert'
          ? base.slice(0, at) + piece + base.slice(at)
          : edit === 'delete'
            ? base.slice(0, at) + base.slice(at + 1)
            : base.slice(0, at) + piece + base.slice(at + 1)
      const outcome = (parse: () => unknown) => {
        try {
          return parse()
        } catch {
          return 'refused'
        }
      }
      const plain = outcome(() => parseBody(MessagesRequest, text))
      if (plain === 'refused') refused++
      const ours = outcome(() => parseMessagesRequest(bytesOf(text)))
      if (JSON.stringify(ours) !== JSON.stringify(plain)) {
        expect({ at, edit, piece, ours }).toEqual({ at, edit, piece, ours: plain })
      }
    }
    // Both kinds were tried.
    expect(refused).toBeGreaterThan(300)
    expect(refused).toBeLessThan(2700)
  })

  test('messages written twice: the last, as JSON.parse keeps it, known conversation or not', () => {
    parseMessagesRequest(bytesOf(turn(conversation.messages)))
    const last = [{ role: 'user', content: 'the second messages member' }]
    const twice = `${turn(grown).slice(0, -1)},"messages":${JSON.stringify(last)}}`
    const parsed = parseMessagesRequest(bytesOf(twice))
    expect(parsed).toEqual(parseBody(MessagesRequest, twice))
    expect(parsed.messages).toEqual(last as MessageParam[])
  })

  test('a comma with nothing after it, behind known messages, is refused as JSON.parse refuses it', () => {
    const body = (messages: string) =>
      `{"model":"m","max_tokens":5,"messages":${messages},"system":[{"type":"text","text":"s"}]}`
    const known = JSON.stringify(grown)
    parseMessagesRequest(bytesOf(body(known)))
    for (const trailing of [`${known.slice(0, -1)},]`, `${known.slice(0, -1)}, ]`]) {
      expect(() => JSON.parse(body(trailing))).toThrow()
      expect(failureOf(body(trailing))).toBe(plainFailureOf(body(trailing)))
    }
  })

  test('a conversation left alone for half an hour is let go; one in use is kept', () => {
    const other = (text: string) => turn([{ role: 'user', content: text }])
    try {
      setSystemTime(new Date('2030-01-01T10:00:00Z'))
      const first = parseMessagesRequest(bytesOf(turn(conversation.messages)))
      setSystemTime(new Date('2030-01-01T10:29:00Z'))
      parseMessagesRequest(bytesOf(other('another session, 29 minutes later')))
      const kept = parseMessagesRequest(bytesOf(turn(grown)))
      expect(kept.messages[0]).toBe(first.messages[0] as MessageParam)
      setSystemTime(new Date('2030-01-01T11:00:00Z'))
      parseMessagesRequest(bytesOf(other('another session, 31 minutes after the last turn')))
      const later = parseMessagesRequest(bytesOf(turn([...grown, { role: 'user', content: 'hi' }])))
      expect(later.messages[0]).not.toBe(first.messages[0] as MessageParam)
      expect(later).toEqual(
        parseBody(MessagesRequest, turn([...grown, { role: 'user', content: 'hi' }])),
      )
    } finally {
      setSystemTime()
    }
  })

  test('text that is not canonical is parsed in full every time, and equal', () => {
    const spaced = (messages: unknown[]) => JSON.stringify({ ...conversation, messages }, null, 1)
    const first = parseMessagesRequest(bytesOf(spaced(conversation.messages)))
    const next = parseMessagesRequest(bytesOf(spaced(grown)))
    expect(next).toEqual(parseBody(MessagesRequest, spaced(grown)))
    expect(next.messages[0]).not.toBe(first.messages[0] as MessageParam)
    expect(isRemembered(next.messages[0] as MessageParam)).toBe(false)
  })
})

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}
