import { describe, expect, test } from 'bun:test'
import { MessagesRequest } from '../../../src/protocol/messages.ts'
import { parseBody } from '../../../src/protocol/parse.ts'
import { parseMessagesRequest } from '../../../src/protocol/parse-request.ts'
import {
  convertRequest,
  serializeChatRequest,
} from '../../../src/providers/openai/convert-request.ts'
import { fixtureBody } from '../../helpers.ts'

const provider = { name: 'local', endpoint: 'http://127.0.0.1:8000/v1/chat/completions' }
const text = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')

function convert(request: MessagesRequest) {
  return convertRequest({ request, model: 'm', provider, modelEntry: { id: 'm' } })
}

/** The upstream body as text, whether it was serialised as a string or as bytes. */
function sentText(converted: Parameters<typeof serializeChatRequest>[0]): string {
  const body = serializeChatRequest(converted)
  return typeof body === 'string' ? body : new TextDecoder().decode(body)
}

describe('the tools memo', () => {
  test("Claude Code's tools are converted once, then reused with their JSON", () => {
    const plain = convert(parseBody(MessagesRequest, text))
    const first = convert(parseMessagesRequest(bytesOf(text)))
    const second = convert(parseMessagesRequest(bytesOf(text)))
    expect(plain.toolsJson).toBeUndefined()
    expect(first.toolsJson).toBeInstanceOf(Uint8Array)
    // The same objects and the same bytes: nothing converted or serialised again.
    expect(second.body.tools).toBe(first.body.tools as NonNullable<typeof first.body.tools>)
    expect(second.toolsJson).toBe(first.toolsJson as Uint8Array)
    expect(JSON.parse(sentText(second))).toEqual(JSON.parse(JSON.stringify(plain.body)))
    expect(second.warnings).toEqual(plain.warnings)
  })

  test('a changed tool is a different list: converted afresh, never served from the memo', () => {
    convert(parseMessagesRequest(bytesOf(text)))
    const changed = JSON.parse(text) as { tools: { description: string }[] }
    const first = changed.tools[0]
    if (first === undefined) throw new Error('the fixture has tools')
    first.description = 'A different description'
    const body = JSON.stringify(changed)
    const sent = JSON.parse(sentText(convert(parseMessagesRequest(bytesOf(body))))) as {
      tools: { function: { description: string } }[]
    }
    expect(sent.tools[0]?.function.description).toBe('A different description')
    expect(sent).toEqual(JSON.parse(JSON.stringify(convert(parseBody(MessagesRequest, body)).body)))
  })

  test('tools the parser did not remember are converted as before', () => {
    const pretty = JSON.stringify(JSON.parse(text), null, 1)
    const converted = convert(parseMessagesRequest(bytesOf(pretty)))
    expect(converted.toolsJson).toBeUndefined()
    expect(converted.body).toEqual(convert(parseBody(MessagesRequest, text)).body)
  })
})

describe('the system prompt memo', () => {
  test("Claude Code's system prompt becomes one frozen message, sent from its JSON", () => {
    const plain = convert(parseBody(MessagesRequest, text))
    const first = convert(parseMessagesRequest(bytesOf(text)))
    const second = convert(parseMessagesRequest(bytesOf(text)))
    const message = second.body.messages[0]
    expect(message?.role).toBe('system')
    expect(message).toBe(first.body.messages[0] as NonNullable<typeof message>)
    expect(Object.isFrozen(message)).toBe(true)
    expect(plain.body.messages[0]).toEqual(message as NonNullable<typeof message>)
    expect(JSON.parse(sentText(second))).toEqual(JSON.parse(JSON.stringify(plain.body)))
    // What the conversion reported (the billing header left out, cache markers) every time.
    expect(second.warnings).toEqual(plain.warnings)
    expect(second.warnings.map((warning) => warning.field)).toContain('system[0]')
  })

  test('a system prompt alone, without remembered tools, is still sent whole and right', () => {
    const { tools: _tools, ...rest } = JSON.parse(text) as Record<string, unknown>
    const body = JSON.stringify(rest)
    convert(parseMessagesRequest(bytesOf(body)))
    const converted = convert(parseMessagesRequest(bytesOf(body)))
    expect(converted.toolsJson).toBeUndefined()
    const sent = sentText(converted)
    expect(JSON.parse(sent)).toEqual(
      JSON.parse(JSON.stringify(convert(parseBody(MessagesRequest, body)).body)),
    )
    const only = JSON.stringify({ ...rest, messages: [] })
    convert(parseMessagesRequest(bytesOf(only)))
    const alone = sentText(convert(parseMessagesRequest(bytesOf(only))))
    expect((JSON.parse(alone) as { messages: unknown[] }).messages).toHaveLength(1)
  })

  test('a changed system prompt is converted afresh', () => {
    convert(parseMessagesRequest(bytesOf(text)))
    const changed = JSON.parse(text) as { system: { text: string }[] }
    const block = changed.system[2]
    if (block === undefined) throw new Error('the fixture has three system blocks')
    block.text = 'Answer in French.'
    const body = JSON.stringify(changed)
    const sent = JSON.parse(sentText(convert(parseMessagesRequest(bytesOf(body))))) as {
      messages: { content: string }[]
    }
    expect(sent.messages[0]?.content).toEndWith('Answer in French.')
    expect(sent).toEqual(JSON.parse(JSON.stringify(convert(parseBody(MessagesRequest, body)).body)))
  })
})

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}
