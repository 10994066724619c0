import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { createCollector, type CollectOptions } from '../../src/cache/collect-message.ts'
import { tapResponse } from '../../src/observability/usage-tap.ts'
import type { Message, StreamEvent } from '../../src/protocol/events.ts'
import { fixtureText, sse } from '../helpers.ts'

const encoder = new TextEncoder()
const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8' }
const jsonHeaders = { 'content-type': 'application/json' }

const recordings = [
  ['print-bash', '01-main-turn1-stream.response.sse', 'text and tool_use'],
  ['print-bash', '02-main-turn2-tool-result-stream.response.sse', 'text'],
  ['print-thinking', '01-main-turn1-stream.response.sse', 'thinking, text and tool_use'],
  ['print-thinking', '02-main-turn2-tool-result-stream.response.sse', 'thinking and text'],
] as const
const turn1 = fixtureText('print-bash', '01-main-turn1-stream.response.sse')

type Ending = { kind: 'close' } | { kind: 'error'; error: Error } | { kind: 'silence' }

/** A body in pieces of `pieceSize` bytes, one per pull, that never reads ahead. */
function pieces(text: string, options: { pieceSize?: number; ending?: Ending } = {}) {
  const bytes = encoder.encode(text)
  const pieceSize = options.pieceSize ?? Math.max(bytes.length, 1)
  const ending = options.ending ?? { kind: 'close' }
  let offset = 0
  let pulls = 0
  let resolveCancelled: (reason: unknown) => void = () => undefined
  const cancelled = new Promise<unknown>((resolve) => (resolveCancelled = resolve))
  let resolveSilent: () => void = () => undefined
  const silent = new Promise<void>((resolve) => (resolveSilent = resolve))
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++
        if (offset < bytes.length) {
          controller.enqueue(bytes.slice(offset, offset + pieceSize))
          offset += pieceSize
          return
        }
        if (ending.kind === 'close') return controller.close()
        if (ending.kind === 'error') return controller.error(ending.error)
        resolveSilent()
        return new Promise<void>(() => undefined)
      },
      cancel: resolveCancelled,
    },
    { highWaterMark: 0 },
  )
  return { body, cancelled, silent, pulls: () => pulls }
}

/** `text` through the usage tap with a collector, as the router sends a cache miss; with the messages `onMessage` received. */
function collected(
  text: string,
  options: {
    status?: number
    headers?: Record<string, string>
    pieceSize?: number
    ending?: Ending
    collect?: Partial<CollectOptions>
  } = {},
) {
  const source = pieces(text, options)
  const upstream = new Response(source.body, {
    status: options.status ?? 200,
    headers: options.headers ?? sseHeaders,
  })
  const messages: Message[] = []
  // As `storeWhenDone` does: only a 2xx answer gets a collector.
  const collector = upstream.ok
    ? createCollector(upstream.headers.get('content-type') ?? '', {
        maxBytes: 1_000_000,
        onMessage: (message) => messages.push(message),
        ...options.collect,
      })
    : undefined
  const response = tapResponse(upstream, {
    startedAt: 0,
    onDone: () => {},
    ...(collector === undefined ? {} : { collector }),
  })
  return { response, messages, source, upstream }
}

/** What the official SDK's stream reader makes of the same bytes, as plain JSON. */
async function sdkFinalMessage(text: string): Promise<unknown> {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => new Response(text, { headers: sseHeaders }),
  })
  try {
    const client = new Anthropic({ baseURL: server.url.origin, apiKey: 'x', maxRetries: 0 })
    const final = await client.messages
      .stream({
        model: 'claude-opus-5-5',
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .finalMessage()
    return withoutSdkFields(JSON.parse(JSON.stringify(final)))
  } finally {
    server.stop(true)
  }
}

/** The SDK adds `parsed_output` to the message (and may add `citations` to text blocks). */
function withoutSdkFields(message: Record<string, unknown>): unknown {
  const { parsed_output: _parsed, ...rest } = message
  const content = Array.isArray(rest.content) ? rest.content : []
  return {
    ...rest,
    content: content.map((block: Record<string, unknown>) => {
      if (block.type !== 'text' || block.citations !== null) return block
      const { citations: _citations, ...text } = block
      return text
    }),
  }
}

/** An event as a provider may send it: not always the exact outbound `StreamEvent`. */
type WireEvent = { type: string } & Record<string, unknown>

const errorEvents = (type: string, message: string): StreamEvent[] => [
  { type: 'error', error: { type, message } },
]

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe('recorded Anthropic streams', () => {
  for (const [scenario, file, what] of recordings) {
    test(`${scenario}/${file} (${what}): the SDK's final message, bytes unchanged`, async () => {
      const text = fixtureText(scenario, file)
      const { response, messages } = collected(text, { pieceSize: 97 })
      expect(await response.text()).toBe(text)
      expect(messages).toHaveLength(1)
      expect(asJson(messages[0])).toEqual(await sdkFinalMessage(text))
    })
  }

  test('the whole message, spelled out: text, then a tool call with its parsed input', async () => {
    const { response, messages } = collected(turn1)
    await response.text()
    expect(messages).toEqual([
      {
        id: 'msg_mock000000000001',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-5-5',
        content: [
          { type: 'text', text: "I'll run the command." },
          {
            type: 'tool_use',
            id: 'toolu_mock000000000001',
            name: 'Bash',
            input: { command: 'echo hello', description: 'Print hello' },
          },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: {
          input_tokens: 12311,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 19,
          service_tier: 'standard',
        },
      } as Message,
    ])
  })

  test('the thinking block keeps its signature', async () => {
    const text = fixtureText('print-thinking', '01-main-turn1-stream.response.sse')
    const { response, messages } = collected(text)
    await response.text()
    expect(messages[0]?.content[0]).toEqual({
      type: 'thinking',
      thinking: 'The user wants me to follow the script.',
      signature: 'mock-signature-0000000000000000',
    })
  })

  test('one byte at a time, multi-byte characters split across pieces', async () => {
    const text = turn1.replace("I'll run ", 'Je lance 👋 ')
    const { response, messages } = collected(text, { pieceSize: 1 })
    expect(await response.text()).toBe(text)
    expect(asJson(messages[0])).toEqual(await sdkFinalMessage(text))
    expect(messages[0]?.content[0]).toEqual({ type: 'text', text: 'Je lance 👋 the command.' })
  })

  test('redacted thinking, a tool without input deltas, usage counters left out', async () => {
    const events: WireEvent[] = [
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 5, output_tokens: 1, cache_read_input_tokens: 80 },
        },
      },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'redacted_thinking', data: 'EncryptedBlob==' },
      },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'Ping', input: {} },
      },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        // As Anthropic-compatible providers send it: only what changed, or null.
        usage: { output_tokens: 7, cache_read_input_tokens: null },
      },
      { type: 'message_stop' },
    ]
    const text = sse(events)
    const { response, messages } = collected(text)
    await response.text()
    expect(asJson(messages[0])).toEqual(await sdkFinalMessage(text))
    expect(messages[0]?.content).toEqual([
      { type: 'redacted_thinking', data: 'EncryptedBlob==' },
      { type: 'tool_use', id: 'toolu_1', name: 'Ping', input: {} },
    ])
    expect(messages[0]?.usage).toEqual({
      input_tokens: 5,
      output_tokens: 7,
      cache_read_input_tokens: 80,
    })
  })
})

describe('a JSON message', () => {
  const message = {
    id: 'msg_2',
    type: 'message',
    role: 'assistant',
    model: 'deepseek-chat',
    content: [{ type: 'text', text: 'Hello.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 2 },
  }

  test('is collected as it was sent', async () => {
    const text = JSON.stringify(message)
    const { response, messages } = collected(text, { headers: jsonHeaders, pieceSize: 7 })
    expect(await response.text()).toBe(text)
    expect(messages).toEqual([message as Message])
  })

  test('a 2xx JSON body that is not a message is not', async () => {
    const text = JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'x' } })
    const { response, messages } = collected(text, { headers: jsonHeaders })
    expect(await response.text()).toBe(text)
    expect(messages).toEqual([])
  })

  test('a server tool block would not survive a replay, so it is not', async () => {
    const text = JSON.stringify({
      ...message,
      content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }],
    })
    const { response, messages } = collected(text, { headers: jsonHeaders })
    await response.text()
    expect(messages).toEqual([])
  })
})

describe('what is never collected', () => {
  test('a truncated stream (no message_stop)', async () => {
    const text = turn1.slice(0, turn1.indexOf('event: message_stop'))
    const { response, messages } = collected(text)
    expect(await response.text()).toBe(text)
    expect(messages).toEqual([])
  })

  test('a stream cut in the middle of an event', async () => {
    const text = turn1.slice(0, turn1.indexOf('"Print hello'))
    const { response, messages } = collected(text)
    expect(await response.text()).toBe(text)
    expect(messages).toEqual([])
  })

  test('an error event instead of the end', async () => {
    const error = sse(errorEvents('overloaded_error', 'Overloaded'))
    const text = turn1.slice(0, turn1.indexOf('event: message_delta')) + error
    const { response, messages } = collected(text)
    expect(await response.text()).toBe(text)
    expect(messages).toEqual([])
  })

  test('an error event even after message_stop', async () => {
    const error = sse(errorEvents('api_error', 'late'))
    const { response, messages } = collected(turn1 + error)
    await response.text()
    expect(messages).toEqual([])
  })

  test('a block left open', async () => {
    const stop = 'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n'
    expect(turn1).toContain(stop)
    const { response, messages } = collected(turn1.replace(stop, ''))
    await response.text()
    expect(messages).toEqual([])
  })

  test('citations, which a replay could not carry', async () => {
    const delta: WireEvent[] = [
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'x' } },
      },
    ]
    const citation = sse(delta)
    const firstStop = turn1.indexOf('event: content_block_stop')
    const text = turn1.slice(0, firstStop) + citation + turn1.slice(firstStop)
    const { response, messages } = collected(text)
    await response.text()
    expect(messages).toEqual([])
  })

  test('a 529 with an Anthropic error body, passed on as it came', async () => {
    const text = JSON.stringify({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    })
    const { response, messages } = collected(text, { status: 529, headers: jsonHeaders })
    expect(response.status).toBe(529)
    expect(await response.text()).toBe(text)
    expect(messages).toEqual([])
  })

  test('a body over maxBytes, which still reaches the client whole', async () => {
    const size = encoder.encode(turn1).byteLength
    const over = collected(turn1, { pieceSize: 64, collect: { maxBytes: size - 1 } })
    expect(await over.response.text()).toBe(turn1)
    expect(over.messages).toEqual([])
    const exact = collected(turn1, { pieceSize: 64, collect: { maxBytes: size } })
    await exact.response.text()
    expect(exact.messages).toHaveLength(1)
  })

  test('an upstream body that breaks: the client gets an error event, the cache nothing', async () => {
    const text = turn1.slice(0, turn1.indexOf('event: message_delta'))
    const { response, messages } = collected(text, {
      ending: { kind: 'error', error: new Error('connection reset') },
    })
    const received = await response.text()
    expect(received.startsWith(text)).toBe(true)
    expect(received.slice(text.length)).toContain('connection reset')
    expect(received.slice(text.length)).toStartWith('event: error')
    expect(messages).toEqual([])
  })

  test('a JSON message over maxBytes', async () => {
    const text = JSON.stringify({
      id: 'msg_3',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'text', text: 'x'.repeat(500) }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    })
    const { response, messages } = collected(text, {
      headers: jsonHeaders,
      pieceSize: 100,
      collect: { maxBytes: 200 },
    })
    expect(await response.text()).toBe(text)
    expect(messages).toEqual([])
  })
})

describe('the client side', () => {
  test("a client's cancel reaches the upstream body; nothing is collected", async () => {
    const firstEvent = turn1.slice(0, turn1.indexOf('event: content_block_start'))
    const { response, messages, source } = collected(firstEvent, { ending: { kind: 'silence' } })
    const reader = response.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(firstEvent)
    const waiting = reader.read()
    await source.silent
    await reader.cancel('client went away')
    expect(await waiting).toEqual({ done: true, value: undefined })
    expect(await source.cancelled).toBe('client went away')
    expect(messages).toEqual([])
  })

  test('the upstream is read only as fast as the client reads', async () => {
    const { response, source } = collected(turn1, { pieceSize: 100 })
    const reader = response.body!.getReader()
    expect(source.pulls()).toBe(0)
    await reader.read()
    await reader.read()
    expect(source.pulls()).toBe(2)
    await reader.cancel()
  })

  test('status and headers are kept, in a copy the caller can add to', async () => {
    const { response, upstream } = collected(turn1, {
      headers: { ...sseHeaders, 'request-id': 'req_1' },
    })
    response.headers.set('x-ccr-cache', 'miss')
    expect(Object.fromEntries(response.headers)).toEqual({
      ...sseHeaders,
      'request-id': 'req_1',
      'x-ccr-cache': 'miss',
    })
    expect(upstream.headers.has('x-ccr-cache')).toBe(false)
    await response.body?.cancel()
  })

  test('an onMessage that throws does not disturb the answer', async () => {
    const { response } = collected(turn1, {
      collect: {
        onMessage: () => {
          throw new Error('the disk is full')
        },
      },
    })
    expect(await response.text()).toBe(turn1)
  })

  test('the SDK reads the collected stream into the same message', async () => {
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () => collected(turn1, { pieceSize: 50 }).response,
    })
    try {
      const client = new Anthropic({ baseURL: server.url.origin, apiKey: 'x', maxRetries: 0 })
      const final = await client.messages
        .stream({
          model: 'claude-opus-5-5',
          max_tokens: 1024,
          messages: [{ role: 'user', content: 'hi' }],
        })
        .finalMessage()
      expect(withoutSdkFields(asJson(final) as Record<string, unknown>)).toEqual(
        await sdkFinalMessage(turn1),
      )
    } finally {
      server.stop(true)
    }
  })
})
