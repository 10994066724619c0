import { translateStream } from '../../../src/providers/openai/translate-stream.ts'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import type {
  BlockDelta,
  Message,
  OutputBlock,
  StopReason,
  StreamEvent,
  Usage,
} from '../../../src/protocol/events.ts'
import { encodeEvents } from '../../../src/protocol/sse.ts'
import { ChatChunk } from '../../../src/providers/openai/api.ts'
import {
  toAnthropicEvents,
  type StreamOptions,
} from '../../../src/providers/openai/convert-stream.ts'
import type { NewId } from '../../../src/providers/openai/random-id.ts'
import { parseJsonEvents } from '../../../src/providers/sse-json.ts'

export const model = 'test-model'
export const signature = 'ccr:test-signature'
export const inputEstimate = 1000

/** `msg_test`, then `toolu_test0`, `toolu_test1`, … in the order they are made. */
export function fixedIds(): NewId {
  let tools = 0
  return (prefix) => (prefix === 'msg' ? 'msg_test' : `toolu_test${tools++}`)
}

/** Bytes in small, odd-sized pieces, as a network delivers them: events and characters split. */
export function bodyOf(text: string, pieceSize = 13): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(offset, offset + pieceSize))
      offset += pieceSize
    },
  })
}

export async function fixture(name: string): Promise<string> {
  return Bun.file(join(import.meta.dir, '../../fixtures/openai', name)).text()
}

/**
 * An upstream SSE body through the conversion the router serves with (`translateStream`: one
 * fused stage, SSE bytes out), decoded back into events.
 */
export async function convert(
  sse: string,
  options: Partial<StreamOptions> = {},
): Promise<StreamEvent[]> {
  const bytes = translateStream(bodyOf(sse), {
    model,
    inputTokens: inputEstimate,
    thinkingSignature: signature,
    newId: fixedIds(),
    pingIntervalMs: 60_000,
    ...options,
  })
  const text = await new Response(bytes).text()
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [event = '', data = ''] = frame.split('\n')
      const parsed = JSON.parse(data.slice('data: '.length)) as StreamEvent
      if (event !== `event: ${parsed.type}`) throw new Error(`misframed event: ${frame}`)
      return parsed
    })
}

/** The same body through the composable chain (`parseJsonEvents` → `toAnthropicEvents`). */
export async function convertWithStreams(
  sse: string,
  options: Partial<StreamOptions> = {},
): Promise<StreamEvent[]> {
  const stream = parseJsonEvents(bodyOf(sse), ChatChunk).pipeThrough(
    toAnthropicEvents({
      model,
      inputTokens: inputEstimate,
      thinkingSignature: signature,
      newId: fixedIds(),
      ...options,
    }),
  )
  return Array.fromAsync(stream)
}

/**
 * What the official SDK makes of the events: they are encoded as ccr sends them, served by a
 * fake Anthropic API on port 0, and read with `messages.stream().finalMessage()`.
 */
export async function sdkFinalMessage(events: StreamEvent[]): Promise<unknown> {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => {
      const source = new ReadableStream<StreamEvent>({
        start(controller) {
          for (const event of events) controller.enqueue(event)
          controller.close()
        },
      })
      const body = source.pipeThrough(encodeEvents())
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    },
  })
  try {
    const client = new Anthropic({ baseURL: server.url.origin, apiKey: 'x', maxRetries: 0 })
    const request = {
      model,
      max_tokens: 1024,
      messages: [{ role: 'user' as const, content: 'hi' }],
    }
    const { parsed_output: _parsed, ...message } = await client.messages
      .stream(request)
      .finalMessage()
    return message
  } finally {
    server.stop(true)
  }
}

// ---- Expected events, spelled out ----

export function messageStart(): StreamEvent {
  return {
    type: 'message_start',
    message: {
      id: 'msg_test',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: inputEstimate,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  }
}

const delta = (index: number, value: BlockDelta): StreamEvent => ({
  type: 'content_block_delta',
  index,
  delta: value,
})
const stop = (index: number): StreamEvent => ({ type: 'content_block_stop', index })

export function textBlock(index: number, ...texts: string[]): StreamEvent[] {
  return [
    { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
    ...texts.map((text) => delta(index, { type: 'text_delta', text })),
    stop(index),
  ]
}

export function thinkingBlock(index: number, ...texts: string[]): StreamEvent[] {
  return [
    {
      type: 'content_block_start',
      index,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    },
    ...texts.map((thinking) => delta(index, { type: 'thinking_delta', thinking })),
    delta(index, { type: 'signature_delta', signature }),
    stop(index),
  ]
}

export function toolBlock(
  index: number,
  id: string,
  name: string,
  ...jsons: string[]
): StreamEvent[] {
  return [
    {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id, name, input: {} },
    },
    ...jsons.map((partial_json) => delta(index, { type: 'input_json_delta', partial_json })),
    stop(index),
  ]
}

export function usageOf(input: number, output: number, cacheRead = 0, thinking = 0): Usage {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cacheRead,
    ...(thinking > 0 ? { output_tokens_details: { thinking_tokens: thinking } } : {}),
  }
}

/** Usage when the provider reports none. */
export const estimatedUsage = usageOf(inputEstimate, 0)

export function messageEnd(
  stopReason: StopReason,
  usage: Usage,
  stopSequence: string | null = null,
): StreamEvent[] {
  return [
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: stopSequence },
      usage,
    },
    { type: 'message_stop' },
  ]
}

export function messageOf(
  content: OutputBlock[],
  stopReason: StopReason,
  usage: Usage,
  stopSequence: string | null = null,
): Message {
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage,
  }
}
