import { join } from 'node:path'
import { describe, expect, test } from 'bun:test'
import { APIError } from '@anthropic-ai/sdk'
import type { Message, StreamEvent } from '../../../src/protocol/events.ts'
import type { StreamOptions } from '../../../src/providers/openai/convert-stream.ts'
import {
  convert,
  convertWithStreams,
  estimatedUsage,
  fixture,
  messageEnd,
  messageOf,
  messageStart,
  sdkFinalMessage,
  textBlock,
  thinkingBlock,
  toolBlock,
  usageOf,
} from './stream-helpers.ts'

interface Success {
  fixture: string
  options?: Partial<StreamOptions>
  events: StreamEvent[]
  message: Message
}

const successes: Success[] = [
  {
    fixture: 'openai-text.sse',
    events: [
      messageStart(),
      ...textBlock(0, 'Hello', '!', ' How can I help?'),
      ...messageEnd('end_turn', estimatedUsage),
    ],
    message: messageOf(
      [{ type: 'text', text: 'Hello! How can I help?' }],
      'end_turn',
      estimatedUsage,
    ),
  },
  {
    fixture: 'openai-tool-call.sse',
    events: [
      messageStart(),
      ...toolBlock(
        0,
        'call_DdmO9pD3xa9XTPNJ32zg2hcA',
        'Bash',
        '{"',
        'command',
        '":"',
        'echo hello',
        '"}',
      ),
      ...messageEnd('tool_use', estimatedUsage),
    ],
    message: messageOf(
      [
        {
          type: 'tool_use',
          id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
          name: 'Bash',
          input: { command: 'echo hello' },
        },
      ],
      'tool_use',
      estimatedUsage,
    ),
  },
  {
    fixture: 'openai-parallel-tool-calls.sse',
    events: [
      messageStart(),
      ...toolBlock(
        0,
        'call_a1B2c3D4e5F6g7H8i9J0k1L2',
        'Read',
        '{"file_path": "/home/user/project/a.ts"}',
      ),
      ...toolBlock(
        1,
        'call_M3n4O5p6Q7r8S9t0U1v2W3x4',
        'Read',
        '{"file_path": "/home/user/project/b.ts"}',
      ),
      ...messageEnd('tool_use', estimatedUsage),
    ],
    message: messageOf(
      [
        {
          type: 'tool_use',
          id: 'call_a1B2c3D4e5F6g7H8i9J0k1L2',
          name: 'Read',
          input: { file_path: '/home/user/project/a.ts' },
        },
        {
          type: 'tool_use',
          id: 'call_M3n4O5p6Q7r8S9t0U1v2W3x4',
          name: 'Read',
          input: { file_path: '/home/user/project/b.ts' },
        },
      ],
      'tool_use',
      estimatedUsage,
    ),
  },
  {
    // The usage arrives in its own chunk after the finish_reason chunk.
    fixture: 'openai-include-usage.sse',
    events: [
      messageStart(),
      ...textBlock(0, 'Done', '.'),
      ...messageEnd('end_turn', usageOf(262, 2, 2048)),
    ],
    message: messageOf([{ type: 'text', text: 'Done.' }], 'end_turn', usageOf(262, 2, 2048)),
  },
  {
    fixture: 'deepseek-reasoning-text.sse',
    events: [
      messageStart(),
      ...thinkingBlock(0, 'The user', ' asks for 2+2.'),
      ...textBlock(1, '2 + 2', ' = 4.'),
      ...messageEnd('end_turn', usageOf(48, 37, 1152, 29)),
    ],
    message: messageOf(
      [
        { type: 'thinking', thinking: 'The user asks for 2+2.', signature: 'ccr:test-signature' },
        { type: 'text', text: '2 + 2 = 4.' },
      ],
      'end_turn',
      usageOf(48, 37, 1152, 29),
    ),
  },
  {
    fixture: 'deepseek-reasoning-tool-call.sse',
    events: [
      messageStart(),
      ...thinkingBlock(0, 'I should list the files.'),
      ...toolBlock(1, 'call_00_kLmNoPqRsTuVwXyZ012345', 'Bash', '{"command": "', 'ls -la"}'),
      ...messageEnd('tool_use', usageOf(24, 48, 5376, 9)),
    ],
    message: messageOf(
      [
        { type: 'thinking', thinking: 'I should list the files.', signature: 'ccr:test-signature' },
        {
          type: 'tool_use',
          id: 'call_00_kLmNoPqRsTuVwXyZ012345',
          name: 'Bash',
          input: { command: 'ls -la' },
        },
      ],
      'tool_use',
      usageOf(24, 48, 5376, 9),
    ),
  },
  {
    fixture: 'openrouter-reasoning-tool-call.sse',
    events: [
      messageStart(),
      ...thinkingBlock(0, "**Checking the tests**\n\nI'll run the test suite."),
      ...toolBlock(
        1,
        'tool_0_Bash_QrStUvWxYz',
        'Bash',
        '{"command":"bun test","description":"Run the tests"}',
      ),
      ...messageEnd('tool_use', usageOf(928, 212, 8192, 180)),
    ],
    message: messageOf(
      [
        {
          type: 'thinking',
          thinking: "**Checking the tests**\n\nI'll run the test suite.",
          signature: 'ccr:test-signature',
        },
        {
          type: 'tool_use',
          id: 'tool_0_Bash_QrStUvWxYz',
          name: 'Bash',
          input: { command: 'bun test', description: 'Run the tests' },
        },
      ],
      'tool_use',
      usageOf(928, 212, 8192, 180),
    ),
  },
  {
    fixture: 'groq-text.sse',
    events: [
      messageStart(),
      ...textBlock(0, 'Fast', ' answer.'),
      ...messageEnd('end_turn', usageOf(418, 3)),
    ],
    message: messageOf([{ type: 'text', text: 'Fast answer.' }], 'end_turn', usageOf(418, 3)),
  },
  {
    fixture: 'ollama-reasoning-text.sse',
    events: [
      messageStart(),
      ...thinkingBlock(0, 'Okay', ', a greeting.'),
      ...textBlock(1, 'Hi', ' there! 👋'),
      ...messageEnd('end_turn', estimatedUsage),
    ],
    message: messageOf(
      [
        { type: 'thinking', thinking: 'Okay, a greeting.', signature: 'ccr:test-signature' },
        { type: 'text', text: 'Hi there! 👋' },
      ],
      'end_turn',
      estimatedUsage,
    ),
  },
  {
    // Fragments of two calls alternate; the second waits until the first is a whole object.
    fixture: 'compatible-interleaved-tool-calls.sse',
    events: [
      messageStart(),
      ...toolBlock(0, 'call_first', 'Bash', '{"command":', '"ls"}'),
      ...toolBlock(1, 'call_second', 'Read', '{"file_path":', '"/tmp/a.txt"}'),
      ...messageEnd('tool_use', usageOf(700, 40)),
    ],
    message: messageOf(
      [
        { type: 'tool_use', id: 'call_first', name: 'Bash', input: { command: 'ls' } },
        { type: 'tool_use', id: 'call_second', name: 'Read', input: { file_path: '/tmp/a.txt' } },
      ],
      'tool_use',
      usageOf(700, 40),
    ),
  },
  {
    // The first call's id comes in its third fragment; the second call's never comes.
    // The provider says `stop` after calling tools: reported as tool_use.
    fixture: 'compatible-tool-call-late-id.sse',
    events: [
      messageStart(),
      ...textBlock(0, 'Let me check.'),
      ...toolBlock(1, 'call_late_7Qx', 'Glob', '{"pattern": "**/*.ts"}'),
      ...toolBlock(2, 'toolu_test0', 'Read', '{"file_path":"README.md"}'),
      ...messageEnd('tool_use', estimatedUsage),
    ],
    message: messageOf(
      [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_late_7Qx', name: 'Glob', input: { pattern: '**/*.ts' } },
        { type: 'tool_use', id: 'toolu_test0', name: 'Read', input: { file_path: 'README.md' } },
      ],
      'tool_use',
      estimatedUsage,
    ),
  },
  {
    // The model ran out of tokens inside a string: the object is closed with `"}`.
    fixture: 'openai-truncated-tool-arguments.sse',
    events: [
      messageStart(),
      ...toolBlock(
        0,
        'call_trunc',
        'Write',
        '{"file_path":"notes.md","content":"# Notes\\n\\n- fi',
        '"}',
      ),
      ...messageEnd('max_tokens', estimatedUsage),
    ],
    message: messageOf(
      [
        {
          type: 'tool_use',
          id: 'call_trunc',
          name: 'Write',
          input: { file_path: 'notes.md', content: '# Notes\n\n- fi' },
        },
      ],
      'max_tokens',
      estimatedUsage,
    ),
  },
  {
    fixture: 'openai-length.sse',
    events: [
      messageStart(),
      ...textBlock(0, 'Once upon', ' a'),
      ...messageEnd('max_tokens', usageOf(50, 3)),
    ],
    message: messageOf([{ type: 'text', text: 'Once upon a' }], 'max_tokens', usageOf(50, 3)),
  },
  {
    fixture: 'vllm-stop-sequence.sse',
    options: { stopSequences: ['</answer>', '</sql>'] },
    events: [
      messageStart(),
      ...textBlock(0, 'SELECT 1;'),
      ...messageEnd('stop_sequence', usageOf(30, 5), '</sql>'),
    ],
    message: messageOf(
      [{ type: 'text', text: 'SELECT 1;' }],
      'stop_sequence',
      usageOf(30, 5),
      '</sql>',
    ),
  },
  {
    fixture: 'openai-refusal.sse',
    events: [
      messageStart(),
      ...textBlock(0, "I'm sorry,", " I can't help with that."),
      ...messageEnd('end_turn', estimatedUsage),
    ],
    message: messageOf(
      [{ type: 'text', text: "I'm sorry, I can't help with that." }],
      'end_turn',
      estimatedUsage,
    ),
  },
  {
    fixture: 'azure-content-filter.sse',
    events: [messageStart(), ...textBlock(0, 'Here is'), ...messageEnd('refusal', estimatedUsage)],
    message: messageOf([{ type: 'text', text: 'Here is' }], 'refusal', estimatedUsage),
  },
]

describe('toAnthropicEvents: recorded provider streams', () => {
  for (const success of successes) {
    test(success.fixture, async () => {
      const events = await convert(await fixture(success.fixture), success.options)
      expect(events).toEqual(success.events)
      expect(await sdkFinalMessage(events)).toEqual(success.message)
    })
  }
})

interface Failure {
  fixture: string
  events: StreamEvent[]
  error: { type: string; message: string | ReturnType<typeof expect.stringMatching> }
}

const failures: Failure[] = [
  {
    fixture: 'openrouter-mid-stream-error.sse',
    events: textBlock(0, 'The answer'),
    error: {
      type: 'api_error',
      message:
        'The provider reported an error mid-stream: Provider disconnected unexpectedly (server_error)',
    },
  },
  {
    fixture: 'openai-malformed-chunk.sse',
    events: textBlock(0, 'Partial'),
    error: {
      type: 'api_error',
      message: expect.stringMatching(
        /^The provider sent a chunk ccr cannot read \(not JSON: .+\): \{"id":"chatcmpl-malformed".*"content":" answ$/,
      ),
    },
  },
  {
    // The open tool block is closed, but its cut-off input is not repaired: the answer failed.
    fixture: 'openai-cut-off.sse',
    events: toolBlock(0, 'call_cut', 'Write', '{"file_path":"a.txt","content":"hel'),
    error: {
      type: 'api_error',
      message:
        "The provider's stream ended after 2 chunks, without finish_reason or [DONE]: the answer is incomplete",
    },
  },
  {
    fixture: 'compatible-tool-arguments-not-json.sse',
    events: [],
    error: {
      type: 'api_error',
      message: 'The arguments of tool call 0 (Bash) are not JSON: command=ls -la',
    },
  },
]

describe('toAnthropicEvents: failures end with an error event and no message_stop', () => {
  for (const failure of failures) {
    test(failure.fixture, async () => {
      const events = await convert(await fixture(failure.fixture))
      expect(events).toEqual([
        messageStart(),
        ...failure.events,
        { type: 'error', error: failure.error },
      ])
      const raised = await sdkFinalMessage(events).catch((error: unknown) => error)
      expect(raised).toBeInstanceOf(APIError)
      expect(raised).toMatchObject({ type: failure.error.type, apiMessage: failure.error.message })
    })
  }
})

describe('the fused stage the router serves with', () => {
  test('gives the same events as the composable chain, for every recorded stream', async () => {
    const names = (
      await Array.fromAsync(
        new Bun.Glob('*.sse').scan({ cwd: join(import.meta.dir, '../../fixtures/openai') }),
      )
    ).sort()
    expect(names.length).toBeGreaterThan(15)
    for (const name of names) {
      const sse = await fixture(name)
      expect({ name, events: await convert(sse) }).toEqual({
        name,
        events: await convertWithStreams(sse),
      })
    }
  })
})
