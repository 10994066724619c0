import { describe, expect, test } from 'bun:test'
import { Type } from '@sinclair/typebox'
import { ChatChunk } from '../../src/providers/openai/api.ts'
import { toAnthropicEvents } from '../../src/providers/openai/convert-stream.ts'
import { parseJsonEvents } from '../../src/providers/sse-json.ts'
import { bodyOf } from './openai/stream-helpers.ts'

const Point = Type.Object({ x: Type.Number() })

describe('parseJsonEvents', () => {
  test('values, [DONE]; comments and empty events skipped; CRLF and split characters handled', async () => {
    const text =
      ': OPENROUTER PROCESSING\r\n\r\ndata: {"x":1}\r\n\r\ndata:\n\nevent: message\ndata: {"x":"é"}\n\ndata: [DONE]\n\n'
    const items = await Array.fromAsync(parseJsonEvents(bodyOf(text, 3), Point))
    expect(items).toEqual([
      { kind: 'value', value: { x: 1 } },
      { kind: 'invalid', raw: '{"x":"é"}', reason: '/x: Expected number' },
      { kind: 'done' },
    ])
  })

  test('multi-line data is joined before parsing', async () => {
    const items = await Array.fromAsync(parseJsonEvents(bodyOf('data: {"x":\ndata: 2}\n\n'), Point))
    expect(items).toEqual([{ kind: 'value', value: { x: 2 } }])
  })

  test('text that is not JSON is an invalid item, and reading goes on', async () => {
    const items = await Array.fromAsync(
      parseJsonEvents(bodyOf('data: {"x":\n\ndata: {"x":3}\n\n'), Point),
    )
    expect(items).toHaveLength(2)
    expect(items[0]).toMatchObject({ kind: 'invalid', raw: '{"x":' })
    expect(items[0]?.kind === 'invalid' && items[0].reason.startsWith('not JSON: ')).toBe(true)
    expect(items[1]).toEqual({ kind: 'value', value: { x: 3 } })
  })
})

/** A body that never ends by itself and records its cancellation. */
function endlessBody(first: string) {
  let resolveCancelled: (reason: unknown) => void = () => undefined
  const cancelled = new Promise<unknown>((resolve) => (resolveCancelled = resolve))
  let sent = false
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return new Promise<void>(() => undefined)
      sent = true
      controller.enqueue(new TextEncoder().encode(first))
    },
    cancel(reason) {
      resolveCancelled(reason)
    },
  })
  return { body, cancelled }
}

const streamOptions = { model: 'test-model', inputTokens: 1, thinkingSignature: 'ccr:test' }
const textChunk = 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'

describe('cancellation reaches the upstream body', () => {
  test('when the client cancels the converted stream', async () => {
    const { body, cancelled } = endlessBody(textChunk)
    const events = parseJsonEvents(body, ChatChunk).pipeThrough(toAnthropicEvents(streamOptions))
    const reader = events.getReader()
    expect((await reader.read()).value?.type).toBe('message_start')
    await reader.cancel('client went away')
    expect(await cancelled).toBe('client went away')
  })

  test('after [DONE], even when the server keeps the connection open', async () => {
    const { body, cancelled } = endlessBody(`${textChunk}data: [DONE]\n\n`)
    const events = await Array.fromAsync(
      parseJsonEvents(body, ChatChunk).pipeThrough(toAnthropicEvents(streamOptions)),
    )
    expect(events.at(-1)).toEqual({ type: 'message_stop' })
    await cancelled
  })

  test('after an error event', async () => {
    const { body, cancelled } = endlessBody(`${textChunk}data: {"error":{"message":"boom"}}\n\n`)
    const events = await Array.fromAsync(
      parseJsonEvents(body, ChatChunk).pipeThrough(toAnthropicEvents(streamOptions)),
    )
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'The provider reported an error mid-stream: boom' },
    })
    await cancelled
  })
})
