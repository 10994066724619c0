import { describe, expect, test } from 'bun:test'
import { MessagesRequest } from '../../../src/protocol/messages.ts'
import { parseBody } from '../../../src/protocol/parse.ts'
import {
  convertRequest,
  serializeChatRequest,
} from '../../../src/providers/openai/convert-request.ts'
import { fixtureBody } from '../../helpers.ts'

const provider = { name: 'local', endpoint: 'http://127.0.0.1:8000/v1/chat/completions' }
const text = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')

function convert(body: string, toolsSource?: string) {
  return convertRequest({
    request: parseBody(MessagesRequest, body),
    model: 'm',
    provider,
    modelEntry: { id: 'm' },
    ...(toolsSource === undefined ? {} : { toolsSource }),
  })
}

const toolsOf = (body: string) => JSON.stringify((JSON.parse(body) as { tools: unknown }).tools)

describe('the tools memo', () => {
  test("Claude Code's tools are converted once, then reused with their JSON", () => {
    const plain = convert(text)
    const first = convert(text, toolsOf(text))
    const second = convert(text, toolsOf(text))
    expect(first.toolsJson).toBeInstanceOf(Uint8Array)
    // The same objects and the same string: nothing converted or serialised again.
    expect(second.body.tools).toBe(first.body.tools as NonNullable<typeof first.body.tools>)
    expect(second.toolsJson).toBe(first.toolsJson as Uint8Array)
    expect(JSON.parse(sentText(second))).toEqual(JSON.parse(JSON.stringify(plain.body)))
    expect(second.warnings).toEqual(plain.warnings)
  })

  test('a changed tool is a different text: converted afresh, never served from the memo', () => {
    convert(text, toolsOf(text))
    const changed = JSON.parse(text) as { tools: { description: string }[] }
    const first = changed.tools[0]
    if (first === undefined) throw new Error('the fixture has tools')
    first.description = 'A different description'
    const body = JSON.stringify(changed)
    const converted = convert(body, toolsOf(body))
    const sent = JSON.parse(sentText(converted)) as {
      tools: { function: { description: string } }[]
    }
    expect(sent.tools[0]?.function.description).toBe('A different description')
    expect(sent).toEqual(JSON.parse(JSON.stringify(convert(body).body)))
  })

  test('text that is not what the parsed tools serialise to is not remembered', () => {
    const pretty = JSON.stringify(JSON.parse(toolsOf(text)), null, 1)
    const converted = convert(text, pretty)
    expect(converted.toolsJson).toBeUndefined()
    expect(converted.body).toEqual(convert(text).body)
  })
})

/** The upstream body as text, whether it was serialised as a string or as bytes. */
function sentText(converted: Parameters<typeof serializeChatRequest>[0]): string {
  const body = serializeChatRequest(converted)
  return typeof body === 'string' ? body : new TextDecoder().decode(body)
}
