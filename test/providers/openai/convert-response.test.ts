import { describe, expect, test } from 'bun:test'
import type { Message } from '../../../src/protocol/events.ts'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ChatCompletion } from '../../../src/providers/openai/api.ts'
import { messageToEvents } from '../../../src/protocol/message-events.ts'
import {
  toAnthropicMessage,
  type ResponseOptions,
} from '../../../src/providers/openai/convert-response.ts'
import type { ConversionWarning } from '../../../src/providers/warnings.ts'
import {
  fixedIds,
  messageOf,
  model,
  sdkFinalMessage,
  signature,
  usageOf,
} from './stream-helpers.ts'

interface Case {
  name: string
  /** The provider's JSON body, as sent: read through the lenient schema like the adapter does. */
  completion: unknown
  options?: Partial<ResponseOptions>
  message: Message
  warnings: ConversionWarning[]
}

const cases: Case[] = [
  {
    name: 'DeepSeek reasoner: thinking first, then text; cache hits',
    completion: {
      id: '930c60df-bf64-41c9-a88e-3ec75f81e00e',
      object: 'chat.completion',
      created: 1754402000,
      model: 'deepseek-reasoner',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Paris.',
            reasoning_content: 'The capital of France is Paris.',
          },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 1040,
        completion_tokens: 20,
        total_tokens: 1060,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 14 },
        prompt_cache_hit_tokens: 1024,
        prompt_cache_miss_tokens: 16,
      },
      system_fingerprint: 'fp_5417b77867_prod0225',
    },
    message: messageOf(
      [
        { type: 'thinking', thinking: 'The capital of France is Paris.', signature },
        { type: 'text', text: 'Paris.' },
      ],
      'end_turn',
      usageOf(16, 20, 1024, 14),
    ),
    warnings: [],
  },
  {
    name: 'OpenAI tool calls: truncated arguments closed, unreadable ones become {}',
    completion: {
      id: 'chatcmpl-tools',
      object: 'chat.completion',
      model: 'gpt-4.1-2025-04-14',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              {
                id: 'call_ok',
                type: 'function',
                function: { name: 'Read', arguments: '{"file_path":"a.ts"}' },
              },
              {
                id: 'call_cut',
                type: 'function',
                function: { name: 'Bash', arguments: '{"command":"ls -l' },
              },
              {
                id: 'call_bad',
                type: 'function',
                function: { name: 'Bash', arguments: 'command: ls' },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 300,
        completion_tokens: 60,
        total_tokens: 360,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    },
    message: messageOf(
      [
        { type: 'tool_use', id: 'call_ok', name: 'Read', input: { file_path: 'a.ts' } },
        { type: 'tool_use', id: 'call_cut', name: 'Bash', input: { command: 'ls -l' } },
        { type: 'tool_use', id: 'call_bad', name: 'Bash', input: {} },
      ],
      'tool_use',
      usageOf(300, 60),
    ),
    warnings: [
      {
        type: 'changed',
        field: 'choices[0].message.tool_calls[1]',
        details: 'the arguments were cut off; closed with "\\"}"',
      },
      {
        type: 'changed',
        field: 'choices[0].message.tool_calls[2]',
        details: 'the arguments are not JSON; sent as {}',
      },
    ],
  },
  {
    name: 'Groq: reasoning, length; arguments encoded twice; a call without id or name',
    completion: {
      id: 'chatcmpl-groq',
      object: 'chat.completion',
      model: 'openai/gpt-oss-20b',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking.',
            reasoning: 'Need the file.',
            tool_calls: [
              {
                type: 'function',
                function: { name: 'Read', arguments: '"{\\"file_path\\":\\"b.ts\\"}"' },
              },
              { id: 'call_nameless', type: 'function', function: { arguments: '{}' } },
            ],
          },
          finish_reason: 'length',
        },
      ],
      usage: { queue_time: 0.03, prompt_tokens: 18, completion_tokens: 5, total_tokens: 23 },
      x_groq: { id: 'req_01jbd6g2qdfw2adyrt2az8hz4w' },
    },
    message: messageOf(
      [
        { type: 'thinking', thinking: 'Need the file.', signature },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_test0', name: 'Read', input: { file_path: 'b.ts' } },
      ],
      'max_tokens',
      usageOf(18, 5),
    ),
    warnings: [
      {
        type: 'dropped',
        field: 'choices[0].message.tool_calls[1]',
        details: 'the tool call has no name',
      },
    ],
  },
  {
    name: 'vLLM: the stop string that fired; no usage falls back to the estimate',
    completion: {
      id: 'chatcmpl-vllm',
      object: 'chat.completion',
      model: 'Qwen/Qwen3-32B',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'SELECT 1;' },
          finish_reason: 'stop',
          stop_reason: '</sql>',
        },
      ],
    },
    options: { stopSequences: ['</sql>'], inputTokens: 77 },
    message: messageOf(
      [{ type: 'text', text: 'SELECT 1;' }],
      'stop_sequence',
      usageOf(77, 0),
      '</sql>',
    ),
    warnings: [],
  },
]

const completionCheck = TypeCompiler.Compile(ChatCompletion)

function asCompletion(body: unknown): ChatCompletion {
  if (!completionCheck.Check(body))
    throw new Error(`not a ChatCompletion: ${completionCheck.Errors(body).First()?.message}`)
  return body
}

describe('toAnthropicMessage', () => {
  for (const { name, completion, options, message, warnings } of cases) {
    test(name, async () => {
      const converted = toAnthropicMessage(asCompletion(completion), {
        model,
        thinkingSignature: signature,
        newId: fixedIds(),
        ...options,
      })
      expect(converted).toEqual({ message, warnings })
      // Rendered as events, the official SDK puts the same message back together.
      expect(await sdkFinalMessage(messageToEvents(converted.message))).toEqual(message)
    })
  }
})

describe('messageToEvents', () => {
  test('the exact event sequence of a complete message', () => {
    const message = messageOf(
      [
        { type: 'thinking', thinking: 'Hmm.', signature },
        { type: 'redacted_thinking', data: 'EncryptedBlob==' },
        { type: 'text', text: 'Running it.' },
        { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
      ],
      'tool_use',
      usageOf(10, 20, 30),
    )
    expect(messageToEvents(message)).toEqual([
      {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: usageOf(10, 0, 30),
        },
      },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: 'Hmm.' },
      },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'redacted_thinking', data: 'EncryptedBlob==' },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Running it.' } },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'content_block_start',
        index: 3,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 3,
        delta: { type: 'input_json_delta', partial_json: '{"command":"ls"}' },
      },
      { type: 'content_block_stop', index: 3 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: usageOf(10, 20, 30),
      },
      { type: 'message_stop' },
    ])
  })

  test('the SDK accumulates a message with redacted thinking and empty text', async () => {
    const message = messageOf(
      [
        { type: 'redacted_thinking', data: 'EncryptedBlob==' },
        { type: 'text', text: '' },
      ],
      'end_turn',
      usageOf(1, 1),
    )
    expect(await sdkFinalMessage(messageToEvents(message))).toEqual(message)
  })
})
