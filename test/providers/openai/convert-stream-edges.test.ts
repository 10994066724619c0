import { describe, expect, test } from 'bun:test'
import type { StreamEvent } from '../../../src/protocol/events.ts'
import { ChatChunk } from '../../../src/providers/openai/api.ts'
import { toAnthropicEvents } from '../../../src/providers/openai/convert-stream.ts'
import { parseJsonEvents } from '../../../src/providers/sse-json.ts'
import {
  convert,
  estimatedUsage,
  fixedIds,
  inputEstimate,
  messageEnd,
  messageStart,
  model,
  sdkFinalMessage,
  signature,
  textBlock,
  toolBlock,
  usageOf,
} from './stream-helpers.ts'

/** An SSE body from chunk objects, as an OpenAI-compatible server frames them. */
function sse(...chunks: Array<unknown>): string {
  return chunks
    .map((chunk) => `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`)
    .join('')
}

const delta = (value: Record<string, unknown>, finish_reason: string | null = null, index = 0) => ({
  id: 'chatcmpl-edge',
  object: 'chat.completion.chunk',
  model: 'edge',
  choices: [{ index, delta: value, finish_reason }],
})
const finish = (reason: string) => delta({}, reason)
const tool = (fragment: Record<string, unknown>) => delta({ tool_calls: [fragment] })

const errorEvent = (type: string, message: string): StreamEvent => ({
  type: 'error',
  error: { type, message },
})

describe('toAnthropicEvents: how an answer may end', () => {
  test('[DONE] without finish_reason is a complete answer', async () => {
    const events = await convert(sse(delta({ content: 'ok' }), '[DONE]'))
    expect(events).toEqual([
      messageStart(),
      ...textBlock(0, 'ok'),
      ...messageEnd('end_turn', estimatedUsage),
    ])
  })

  test('finish_reason without [DONE] is a complete answer', async () => {
    const events = await convert(sse(delta({ content: 'ok' }), finish('stop')))
    expect(events).toEqual([
      messageStart(),
      ...textBlock(0, 'ok'),
      ...messageEnd('end_turn', estimatedUsage),
    ])
  })

  test('an empty body is an error', async () => {
    const events = await convert('')
    expect(events).toEqual([
      messageStart(),
      errorEvent(
        'api_error',
        "The provider's stream ended without sending anything: the answer is incomplete",
      ),
    ])
  })

  test('nothing after [DONE] is read', async () => {
    const events = await convert(
      sse(delta({ content: 'ok' }), finish('stop'), '[DONE]', delta({ content: 'late' })),
    )
    expect(events).toEqual([
      messageStart(),
      ...textBlock(0, 'ok'),
      ...messageEnd('end_turn', estimatedUsage),
    ])
  })

  test('finish_reason "error" without an error object is an error', async () => {
    const events = await convert(sse(delta({ content: 'par' }), finish('error')))
    expect(events).toEqual([
      messageStart(),
      ...textBlock(0, 'par'),
      errorEvent('api_error', 'The provider ended the answer with finish_reason "error"'),
    ])
  })

  test('a rate limit reported mid-stream is an overloaded_error', async () => {
    const chunk = { error: { message: 'Rate limit reached for model', type: 'tokens', code: 429 } }
    const events = await convert(sse(chunk))
    expect(events).toEqual([
      messageStart(),
      errorEvent(
        'overloaded_error',
        'The provider reported an error mid-stream: Rate limit reached for model (tokens, 429)',
      ),
    ])
  })

  test("vLLM's error body sent as a chunk is an error", async () => {
    const chunk = {
      object: 'error',
      message: 'This model is overloaded',
      type: 'ServiceUnavailableError',
      param: null,
      code: 503,
    }
    const events = await convert(sse(delta({ content: 'a' }), chunk))
    expect(events).toEqual([
      messageStart(),
      ...textBlock(0, 'a'),
      errorEvent(
        'overloaded_error',
        'The provider reported an error mid-stream: This model is overloaded (ServiceUnavailableError, 503)',
      ),
    ])
  })

  test('a stream cut after one chunk says so', async () => {
    const events = await convert(sse(delta({ content: 'a' })))
    expect(events.at(-1)).toEqual(
      errorEvent(
        'api_error',
        "The provider's stream ended after 1 chunk, without finish_reason or [DONE]: the answer is incomplete",
      ),
    )
  })

  test('a chunk of the wrong shape is an error naming the field', async () => {
    const events = await convert(sse({ id: 'x', choices: 'none' }))
    expect(events).toEqual([
      messageStart(),
      errorEvent(
        'api_error',
        'The provider sent a chunk ccr cannot read (/choices: Expected union value): {"id":"x","choices":"none"}',
      ),
    ])
  })

  test('only the first choice counts', async () => {
    const events = await convert(
      sse(delta({ content: 'other' }, null, 1), delta({ content: 'first' }), finish('stop')),
    )
    expect(events).toEqual([
      messageStart(),
      ...textBlock(0, 'first'),
      ...messageEnd('end_turn', estimatedUsage),
    ])
  })

  test('usage reported with every chunk: the last one counts', async () => {
    const usage = (completion: number) => ({
      prompt_tokens: 10,
      completion_tokens: completion,
      total_tokens: 10 + completion,
    })
    const events = await convert(
      sse(
        { ...delta({ content: 'a' }), usage: usage(1) },
        { ...delta({ content: 'b' }), usage: usage(2) },
        finish('stop'),
      ),
    )
    expect(events).toEqual([
      messageStart(),
      ...textBlock(0, 'a', 'b'),
      ...messageEnd('end_turn', usageOf(10, 2)),
    ])
  })
})

describe('toAnthropicEvents: tool calls', () => {
  test('a call without arguments gets {}', async () => {
    const events = await convert(
      sse(
        tool({ index: 0, id: 'call_1', function: { name: 'TodoList', arguments: '' } }),
        finish('tool_calls'),
      ),
    )
    expect(events).toEqual([
      messageStart(),
      ...toolBlock(0, 'call_1', 'TodoList', '{}'),
      ...messageEnd('tool_use', estimatedUsage),
    ])
    expect(await sdkFinalMessage(events)).toMatchObject({
      content: [{ type: 'tool_use', input: {} }],
    })
  })

  test('a call whose name never comes is an error', async () => {
    const events = await convert(
      sse(tool({ index: 0, id: 'call_1', function: { arguments: '{}' } }), finish('tool_calls')),
    )
    expect(events).toEqual([
      messageStart(),
      errorEvent('api_error', 'The provider never sent the name of tool call 0'),
    ])
  })

  test('arguments for a call that was already complete are an error', async () => {
    const events = await convert(
      sse(
        tool({ index: 0, id: 'call_1', function: { name: 'A', arguments: '{}' } }),
        tool({ index: 1, id: 'call_2', function: { name: 'B', arguments: '{}' } }),
        tool({ index: 0, function: { arguments: '{"x":1}' } }),
        finish('tool_calls'),
      ),
    )
    expect(events).toEqual([
      messageStart(),
      ...toolBlock(0, 'call_1', 'A', '{}'),
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'call_2', name: 'B', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{}' },
      },
      { type: 'content_block_stop', index: 1 },
      errorEvent(
        'api_error',
        'The provider sent more arguments for tool call 0 (A) after it was complete',
      ),
    ])
  })

  test('parallel calls that all claim index 0 are told apart by their ids', async () => {
    const events = await convert(
      sse(
        tool({ index: 0, id: 'call_1', function: { name: 'A', arguments: '{"n":' } }),
        tool({ index: 0, function: { arguments: '1}' } }),
        tool({ index: 0, id: 'call_2', function: { name: 'B', arguments: '{"n":2}' } }),
        finish('tool_calls'),
      ),
    )
    expect(events).toEqual([
      messageStart(),
      ...toolBlock(0, 'call_1', 'A', '{"n":', '1}'),
      ...toolBlock(1, 'call_2', 'B', '{"n":2}'),
      ...messageEnd('tool_use', estimatedUsage),
    ])
  })

  test('fragments without an index continue the latest call', async () => {
    const events = await convert(
      sse(
        tool({ id: 'call_1', function: { name: 'A', arguments: '{"n":' } }),
        tool({ function: { arguments: '1}' } }),
        tool({ id: 'call_2', function: { name: 'B', arguments: '{}' } }),
        finish('tool_calls'),
      ),
    )
    expect(events).toEqual([
      messageStart(),
      ...toolBlock(0, 'call_1', 'A', '{"n":', '1}'),
      ...toolBlock(1, 'call_2', 'B', '{}'),
      ...messageEnd('tool_use', estimatedUsage),
    ])
  })

  test('text after tool calls closes them first', async () => {
    const events = await convert(
      sse(
        tool({ index: 0, id: 'call_1', function: { name: 'A', arguments: '{"n":1' } }),
        delta({ content: 'Running it.' }),
        finish('tool_calls'),
      ),
    )
    expect(events).toEqual([
      messageStart(),
      ...toolBlock(0, 'call_1', 'A', '{"n":1', '}'),
      ...textBlock(1, 'Running it.'),
      ...messageEnd('tool_use', estimatedUsage),
    ])
  })

  test('a call held back for its id gets a made-up one when the answer ends', async () => {
    const events = await convert(
      sse(
        tool({ index: 0, function: { name: 'A', arguments: '{"a":true}' } }),
        finish('tool_calls'),
      ),
    )
    expect(events).toEqual([
      messageStart(),
      ...toolBlock(0, 'toolu_test0', 'A', '{"a":true}'),
      ...messageEnd('tool_use', estimatedUsage),
    ])
  })
})

describe('toAnthropicEvents: upstream read failures', () => {
  test('a body that breaks mid-stream ends with an error event', async () => {
    const first = new TextEncoder().encode(sse(delta({ content: 'half' })))
    let sent = false
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('socket hang up'))
        sent = true
        controller.enqueue(first)
      },
    })
    const stream = parseJsonEvents(body, ChatChunk).pipeThrough(
      toAnthropicEvents({
        model,
        inputTokens: inputEstimate,
        thinkingSignature: signature,
        newId: fixedIds(),
      }),
    )
    expect(await Array.fromAsync(stream)).toEqual([
      messageStart(),
      ...textBlock(0, 'half'),
      errorEvent(
        'api_error',
        "The provider's stream broke off: reading the stream failed: socket hang up",
      ),
    ])
  })
})
