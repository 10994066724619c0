import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { chatCompletion, chatSse } from '../fake-openai.ts'
import { fakeUpstream, testRouter } from '../helpers.ts'

interface Sent {
  stream?: boolean
  tools?: unknown[]
  messages: { role: string; content: string | null }[]
}

/**
 * Ollama serving a model whose template has no tools: a request with tools is refused as
 * Ollama refuses it; without, the model answers in the Hermes syntax it was taught.
 */
function ollamaWithoutTools() {
  return fakeUpstream((request) => {
    const body = JSON.parse(request.body) as Sent
    if (body.tools !== undefined) {
      return Response.json(
        {
          error: {
            message: 'registry.ollama.ai/library/gemma3:27b does not support tools',
            type: 'api_error',
          },
        },
        { status: 400 },
      )
    }
    const answered = body.messages.some(
      (message) => message.role === 'user' && String(message.content).startsWith('<tool_response>'),
    )
    const text = answered
      ? 'There are two files.'
      : 'Let me look.\n<tool_call>\n{"name": "Bash", "arguments": {"command": "ls"}}\n</tool_call>'
    return body.stream === true
      ? new Response(chatSse('gemma3:27b', { text }), {
          headers: { 'content-type': 'text/event-stream' },
        })
      : Response.json(chatCompletion('gemma3:27b', { text }))
  })
}

describe('a model whose server takes no tools', () => {
  test('gets them described in the prompt, its text calls read back, the history written as text; learned', async () => {
    using ollama = ollamaWithoutTools()
    const config = {
      Providers: [
        {
          name: 'ollama',
          api_base_url: `${ollama.url}/v1/chat/completions`,
          models: ['gemma3:27b'],
        },
      ],
      Router: { default: 'ollama,gemma3:27b' },
    }
    await using router = testRouter(config)
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused', maxRetries: 0 })
    const ask = {
      model: 'claude-opus-5-5',
      max_tokens: 1000,
      tools: [
        {
          name: 'Bash',
          description: 'Runs a command',
          input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } },
        },
      ],
    }
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'what is here?' }]
    const first = await client.messages.stream({ ...ask, messages }).finalMessage()
    expect(first.content).toMatchObject([
      { type: 'text', text: 'Let me look.\n' },
      { type: 'tool_use', name: 'Bash', input: { command: 'ls' } },
    ])
    expect(first.stop_reason).toBe('tool_use')
    expect(ollama.seen).toHaveLength(2)
    const adapted = JSON.parse(ollama.seen[1]?.body ?? '{}') as Sent
    expect(adapted.messages[0]?.role).toBe('system')
    expect(adapted.messages[0]?.content).toContain(
      '<tools>\n{"type":"function","function":{"name":"Bash"',
    )

    const call = first.content.find((block) => block.type === 'tool_use')
    messages.push(
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: call?.id ?? '', content: 'a b' }],
      },
    )
    const second = await client.messages.create({ ...ask, messages })
    expect(second.content).toMatchObject([{ type: 'text', text: 'There are two files.' }])
    // Learned: sent adapted at once, the call and its result as text.
    expect(ollama.seen).toHaveLength(3)
    const history = (JSON.parse(ollama.seen[2]?.body ?? '{}') as Sent).messages
    expect(history.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user'])
    expect(history[2]?.content).toBe(
      'Let me look.\n\n<tool_call>\n{"name": "Bash", "arguments": {"command":"ls"}}\n</tool_call>',
    )
    expect(history[3]?.content).toBe('<tool_response>\na b\n</tool_response>')
  })
})
