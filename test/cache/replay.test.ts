import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { createCollector } from '../../src/cache/collect-message.ts'
import { tapResponse } from '../../src/observability/usage-tap.ts'
import { replayResponse } from '../../src/cache/replay.ts'
import type { Message } from '../../src/protocol/events.ts'
import { fixtureText } from '../helpers.ts'

const request = {
  model: 'claude-opus-5-5',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Run echo hello' }],
}

/** Every block kind a cached answer can hold, with usage as a provider reports it. */
const stored: Message = {
  id: 'msg_original',
  type: 'message',
  role: 'assistant',
  model: 'deepseek-chat',
  content: [
    { type: 'thinking', thinking: 'The user wants "echo".', signature: 'sig-0001' },
    { type: 'redacted_thinking', data: 'EncryptedBlob==' },
    { type: 'text', text: "I'll run it — 👋" },
    {
      type: 'tool_use',
      id: 'toolu_original',
      name: 'Bash',
      input: { command: 'echo hello', options: { timeout: 5, tags: ['a', 'b'] } },
    },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 120,
    output_tokens: 45,
    cache_read_input_tokens: 100,
    cache_creation_input_tokens: 0,
  },
}

/** Serves `respond()` on port 0 and lets the official SDK read it. */
async function throughSdk(
  respond: () => Response,
  read: (client: Anthropic) => Promise<unknown>,
): Promise<{ result: unknown; calls: number }> {
  let calls = 0
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => {
      calls++
      return respond()
    },
  })
  try {
    const client = new Anthropic({ baseURL: server.url.origin, apiKey: 'x', maxRetries: 0 })
    return { result: JSON.parse(JSON.stringify(await read(client))), calls }
  } finally {
    server.stop(true)
  }
}

function withoutParsedOutput(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  const { parsed_output: _parsed, ...message } = value as Record<string, unknown>
  return message
}

describe('a replayed stream', () => {
  test('the official SDK stream reader accepts it: the stored message with a new id', async () => {
    let ids = 0
    const newId = () => `msg_replay${++ids}`
    const { result, calls } = await throughSdk(
      () => replayResponse(stored, { stream: true, newId }),
      (client) => client.messages.stream(request).finalMessage(),
    )
    expect(calls).toBe(1)
    expect(withoutParsedOutput(result)).toEqual({ ...stored, id: 'msg_replay1' })
  })

  test('is Anthropic SSE, event by event', async () => {
    const response = replayResponse(stored, { stream: true, newId: () => 'msg_new' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const text = await response.text()
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1])
    expect(names).toEqual([
      'message_start',
      ...['content_block_start', 'content_block_delta', 'content_block_delta'],
      'content_block_stop',
      ...['content_block_start', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_stop'],
      'message_delta',
      'message_stop',
    ])
  })

  test('a recorded Anthropic answer, collected then replayed, reads as it first did', async () => {
    const recorded = fixtureText('print-thinking', '01-main-turn1-stream.response.sse')
    const messages: Message[] = []
    const passed = tapResponse(
      new Response(recorded, { headers: { 'content-type': 'text/event-stream' } }),
      {
        startedAt: 0,
        onDone: () => {},
        collector: createCollector('text/event-stream', {
          maxBytes: 1_000_000,
          onMessage: (message) => messages.push(message),
        }),
      },
    )
    await passed.text()
    const collected = messages[0]
    if (collected === undefined) throw new Error('the recorded answer was not collected')
    const read = (client: Anthropic) => client.messages.stream(request).finalMessage()
    const sseHeaders = { 'content-type': 'text/event-stream' }
    const first = await throughSdk(() => new Response(recorded, { headers: sseHeaders }), read)
    const again = await throughSdk(
      () => replayResponse(collected, { stream: true, newId: () => 'msg_again' }),
      read,
    )
    expect(again.result).toEqual({ ...(first.result as object), id: 'msg_again' })
  })

  test('does not change the stored message', async () => {
    const before = structuredClone(stored)
    const response = replayResponse(stored, { stream: true, newId: () => 'msg_other' })
    await response.text()
    expect(stored).toEqual(before)
  })
})

describe('a replayed JSON answer', () => {
  test('the SDK reads it as the stored message with a new id', async () => {
    const { result } = await throughSdk(
      () => replayResponse(stored, { stream: false, newId: () => 'msg_json' }),
      (client) => client.messages.create(request),
    )
    expect(result).toEqual({ ...stored, id: 'msg_json' })
  })

  test('is application/json', () => {
    const response = replayResponse(stored, { stream: false, newId: () => 'msg_json' })
    expect(response.headers.get('content-type')).toStartWith('application/json')
  })

  test('each replay gets its own id; tool ids stay as stored', async () => {
    let ids = 0
    const newId = () => `msg_${++ids}`
    const first = (await replayResponse(stored, { stream: false, newId }).json()) as Message
    const second = (await replayResponse(stored, { stream: false, newId }).json()) as Message
    expect([first.id, second.id]).toEqual(['msg_1', 'msg_2'])
    expect(first.content[3]).toEqual(stored.content[3])
    expect(second.content[3]).toEqual(stored.content[3])
  })
})
