import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { fakeOpenAI } from '../fake-openai.ts'
import { testRouter } from '../helpers.ts'

/**
 * A local model served without a tool-call parser answers calls as text in its template's
 * syntax. Each case: what the model wrote, and the blocks Claude Code should get.
 */
const cases: { what: string; wrote: string; expected: unknown[]; stop: string }[] = [
  {
    what: 'a Hermes/Qwen call after some text',
    wrote:
      'Let me look.\n<tool_call>\n{"name": "Bash", "arguments": {"command": "ls -la"}}\n</tool_call>',
    expected: [
      { type: 'text', text: 'Let me look.\n' },
      { type: 'tool_use', name: 'Bash', input: { command: 'ls -la' } },
    ],
    stop: 'tool_use',
  },
  {
    what: 'two calls, arguments encoded as a string in one',
    wrote:
      '<tool_call>{"name": "Read", "arguments": "{\\"file_path\\": \\"/a\\"}"}</tool_call>\n' +
      '<tool_call>{"name": "Bash", "arguments": {"command": "pwd"}}</tool_call>',
    // The line between them is not a block of its own.
    expected: [
      { type: 'tool_use', name: 'Read', input: { file_path: '/a' } },
      { type: 'tool_use', name: 'Bash', input: { command: 'pwd' } },
    ],
    stop: 'tool_use',
  },
  {
    what: 'the call alone as the whole answer',
    wrote: ' {"name": "Bash", "arguments": {"command": "date"}}',
    expected: [{ type: 'tool_use', name: 'Bash', input: { command: 'date' } }],
    stop: 'tool_use',
  },
  {
    what: 'a call without its closing tag at the end',
    wrote: '<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}',
    expected: [{ type: 'tool_use', name: 'Bash', input: { command: 'ls' } }],
    stop: 'tool_use',
  },
  {
    what: 'a tool the request does not have: text, word for word',
    wrote: 'Use <tool_call>{"name": "Deploy", "arguments": {}}</tool_call> carefully, a < b.',
    expected: [
      {
        type: 'text',
        text: 'Use <tool_call>{"name": "Deploy", "arguments": {}}</tool_call> carefully, a < b.',
      },
    ],
    stop: 'end_turn',
  },
  {
    what: 'an answer that is JSON but no call',
    wrote: '{"name": "Bash", "note": "not arguments", "arguments": [1]}',
    expected: [
      { type: 'text', text: '{"name": "Bash", "note": "not arguments", "arguments": [1]}' },
    ],
    stop: 'end_turn',
  },
]

const tools = ['Bash', 'Read'].map((name) => ({
  name,
  input_schema: { type: 'object' as const, properties: {} },
}))

describe('tool calls a model wrote as text', () => {
  for (const streamed of [true, false]) {
    test(`become tool_use blocks when they name a tool of the request (${streamed ? 'streamed' : 'whole'})`, async () => {
      using upstream = fakeOpenAI((_body, index) => ({ text: cases[index]?.wrote ?? '' }))
      await using router = testRouter({
        Providers: [
          { name: 'local', api_base_url: `${upstream.url}/v1/chat/completions`, models: ['qwen'] },
        ],
        Router: { default: 'local,qwen' },
      })
      const client = new Anthropic({ baseURL: router.url, apiKey: 'unused', maxRetries: 0 })
      const ask = {
        model: 'claude-opus-5-5',
        max_tokens: 1000,
        tools,
        messages: [{ role: 'user' as const, content: 'go' }],
      }
      for (const { what, expected, stop } of cases) {
        const message = streamed
          ? await client.messages.stream(ask).finalMessage()
          : await client.messages.create(ask)
        expect({ what, content: message.content, stop: message.stop_reason }).toMatchObject({
          what,
          content: expected,
          stop,
        })
        // Each call has an id of its own, as Claude Code needs to answer it.
        const ids = message.content.flatMap((block) =>
          block.type === 'tool_use' ? [block.id] : [],
        )
        expect(new Set(ids).size).toBe(ids.length)
      }
    })
  }
})
