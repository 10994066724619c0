import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { fakeOpenAI } from '../fake-openai.ts'
import { testRouter } from '../helpers.ts'

// What some models write for arguments: a Python dict, as their training data printed them.
const pythonDict =
  "{'command': 'ls -la', 'recursive': True, 'limit': None, 'note': 'it\\'s \"here\"'}"

describe('tool arguments written as a Python dict', () => {
  for (const streamed of [true, false]) {
    test(`are read as the JSON they mean, the next call's too (${streamed ? 'streamed' : 'whole'})`, async () => {
      using upstream = fakeOpenAI((_body, index) => ({
        toolCalls:
          index === 0
            ? [
                { id: 'call_1', name: 'Bash', arguments: pythonDict },
                { id: 'call_2', name: 'Read', arguments: '{"file_path": "/etc/hosts"}' },
              ]
            : [{ id: 'call_3', name: 'Bash', arguments: "{'command': 'pwd'}" }],
      }))
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
        tools: ['Bash', 'Read'].map((name) => ({
          name,
          input_schema: { type: 'object' as const, properties: {} },
        })),
        messages: [{ role: 'user' as const, content: 'go' }],
      }
      const send = () =>
        streamed ? client.messages.stream(ask).finalMessage() : client.messages.create(ask)
      const message = await send()
      expect(message.content).toMatchObject([
        {
          type: 'tool_use',
          id: 'call_1',
          name: 'Bash',
          input: { command: 'ls -la', recursive: true, limit: null, note: 'it\'s "here"' },
        },
        { type: 'tool_use', id: 'call_2', name: 'Read', input: { file_path: '/etc/hosts' } },
      ])
      expect(message.stop_reason).toBe('tool_use')
      // Alone, it is read when the answer ends.
      expect((await send()).content).toMatchObject([
        { type: 'tool_use', id: 'call_3', input: { command: 'pwd' } },
      ])
    })
  }
})
