import { describe, expect, test } from 'bun:test'
import type { MessagesRequest } from '../../../src/protocol/messages.ts'
import { convertRequest } from '../../../src/providers/openai/convert-request.ts'
import { serializeChatRequest } from '../../../src/providers/openai/serialize.ts'
import { createToolMemo } from '../../../src/providers/openai/tool-memo.ts'
import { fixtureBody } from '../../helpers.ts'

const provider = { name: 'oai', endpoint: 'https://api.example.com/v1/chat/completions' }
const request = (): MessagesRequest =>
  JSON.parse(fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json'))

describe('the tool memo', () => {
  test('the same tools (a new parse each request) convert once and serialise once', () => {
    const memo = createToolMemo()
    const first = convertRequest({
      request: request(),
      model: 'm',
      provider,
      modelEntry: { id: 'm' },
      toolMemo: memo,
    })
    const second = convertRequest({
      request: request(),
      model: 'm',
      provider,
      modelEntry: { id: 'm' },
      toolMemo: memo,
    })
    expect(second.body.tools?.length).toBeGreaterThan(5)
    const firstTools = first.body.tools ?? []
    second.body.tools?.forEach((tool, index) => expect(tool).toBe(firstTools[index]!))
    // The memo changes nothing about the result.
    const plain = convertRequest({
      request: request(),
      model: 'm',
      provider,
      modelEntry: { id: 'm' },
    })
    expect(second).toEqual(plain)
    expect(JSON.parse(serializeChatRequest(second.body, memo))).toEqual(
      JSON.parse(JSON.stringify(plain.body)),
    )
  })

  test('any change inside a schema is a different tool', () => {
    const memo = createToolMemo()
    const tool = (values: string[]) => ({
      name: 'Pick',
      description: 'Pick one',
      input_schema: { type: 'object', properties: { choice: { type: 'string', enum: values } } },
    })
    const convert = (input: ReturnType<typeof tool>) =>
      memo.convert(input, (t) => ({ type: 'function', function: { name: t.name, parameters: {} } }))
    const a = convert(tool(['a', 'b']))
    expect(convert(tool(['a', 'b']))).toBe(a)
    expect(convert(tool(['a', 'c']))).not.toBe(a)
    expect(convert(tool(['ab']))).not.toBe(convert(tool(['a', 'b'])))
    expect(convert({ ...tool(['a', 'b']), description: 'Pick two' })).not.toBe(a)
  })
})
