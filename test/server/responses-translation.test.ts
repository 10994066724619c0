import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { answersFunctionCalls, fakeResponses, type ResponsesAnswer } from '../fake-responses.ts'
import { ledgerRows, recordedRequestBodies, testRouter } from '../helpers.ts'

function configFor(url: string) {
  return {
    Providers: [
      {
        name: 'codex',
        // The path says the protocol: no `protocol` key needed.
        api_base_url: `${url}/v1/responses`,
        api_key: 'sk-codex-secret',
        models: ['gpt-5-codex'],
      },
    ],
    Router: { default: 'codex,gpt-5-codex' },
  }
}

const claudeHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }

function client(url: string) {
  return new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 })
}

const bashTool = {
  name: 'Bash',
  description: 'Runs a command',
  input_schema: {
    type: 'object' as const,
    properties: { command: { type: 'string' } },
    required: ['command'],
  },
}

const answer: ResponsesAnswer = {
  reasoning: 'The user wants a listing.',
  text: 'Listing the folder.',
  toolCalls: [{ id: 'call_ls', name: 'Bash', arguments: '{"command":"ls -la"}' }],
  usage: { input_tokens: 1200, output_tokens: 40, cached_tokens: 1000, reasoning_tokens: 12 },
}

const ask = {
  model: 'claude-opus-5-5',
  max_tokens: 2000,
  tools: [bashTool],
  messages: [{ role: 'user' as const, content: 'list the folder' }],
}

describe('an OpenAI Responses API provider', () => {
  test('a whole answer: reasoning, text and a function call, with the usage and the stop', async () => {
    using upstream = fakeResponses(() => answer)
    await using router = testRouter(configFor(upstream.url))
    const message = await client(router.url).messages.create(ask)
    expect(message.content).toMatchObject([
      { type: 'thinking', thinking: 'The user wants a listing.' },
      { type: 'text', text: 'Listing the folder.' },
      { type: 'tool_use', id: 'call_ls', name: 'Bash', input: { command: 'ls -la' } },
    ])
    expect(message.stop_reason).toBe('tool_use')
    expect(message.usage).toMatchObject({
      input_tokens: 200,
      cache_read_input_tokens: 1000,
      output_tokens: 40,
    })
    const sent = JSON.parse(upstream.seen[0]?.body ?? '{}') as Record<string, unknown>
    expect(sent).toMatchObject({
      model: 'gpt-5-codex',
      input: [{ role: 'user', content: 'list the folder' }],
      max_output_tokens: 2000,
      store: false,
      tools: [
        {
          type: 'function',
          name: 'Bash',
          description: 'Runs a command',
          parameters: bashTool.input_schema,
          strict: false,
        },
      ],
    })
    expect(upstream.seen[0]?.headers.authorization).toBe('Bearer sk-codex-secret')
    expect(upstream.seen[0]?.path).toBe('/v1/responses')
  })

  test('streamed: the same answer event by event, and the tool loop sent back as items', async () => {
    using upstream = fakeResponses((body) =>
      answersFunctionCalls(body) ? { text: 'There are 3 files.' } : answer,
    )
    await using router = testRouter(configFor(upstream.url))
    const first = await client(router.url).messages.stream(ask).finalMessage()
    expect(first.content).toMatchObject([
      { type: 'thinking', thinking: 'The user wants a listing.' },
      { type: 'text', text: 'Listing the folder.' },
      { type: 'tool_use', id: 'call_ls', name: 'Bash', input: { command: 'ls -la' } },
    ])
    expect(first.stop_reason).toBe('tool_use')
    expect(first.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 1000 })

    const second = await client(router.url)
      .messages.stream({
        ...ask,
        messages: [
          ...ask.messages,
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'call_ls', content: 'a\nb\nc' }],
          },
        ],
      })
      .finalMessage()
    expect(second.content).toMatchObject([{ type: 'text', text: 'There are 3 files.' }])
    expect(second.stop_reason).toBe('end_turn')
    // The fake checks what the API checks: an output answers a call made before it.
    const sent = JSON.parse(upstream.seen[1]?.body ?? '{}') as { input: unknown[] }
    expect(sent.input).toEqual([
      { role: 'user', content: 'list the folder' },
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Listing the folder.' }],
      },
      {
        type: 'function_call',
        call_id: 'call_ls',
        name: 'Bash',
        arguments: '{"command":"ls -la"}',
      },
      { type: 'function_call_output', call_id: 'call_ls', output: 'a\nb\nc' },
    ])
    expect(ledgerRows(router.store).map((row) => [row.status, row.provider])).toEqual([
      [200, 'codex'],
      [200, 'codex'],
    ])
  })

  test("thinking asks for the model's effort, and for summaries when its entry says so", async () => {
    using upstream = fakeResponses(() => ({ reasoning: 'Considered it.', text: 'done' }))
    const config = configFor(upstream.url)
    const models = [
      { id: 'gpt-5-codex', reasoning: 'reasoning_effort' },
      { id: 'gpt-5.1-codex', reasoning: 'reasoning_effort', reasoning_summary: true },
    ]
    await using router = testRouter({
      ...config,
      Providers: [{ ...config.Providers[0], models }],
    })
    const thinking = { type: 'enabled' as const, budget_tokens: 4000 }
    for (const model of ['codex,gpt-5-codex', 'codex,gpt-5.1-codex']) {
      const message = await client(router.url).messages.create({ ...ask, model, thinking })
      expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: 'Considered it.' })
    }
    const sent = upstream.seen.map(
      (seen) => (JSON.parse(seen.body) as { reasoning?: unknown }).reasoning,
    )
    expect(sent).toEqual([{ effort: 'low' }, { effort: 'low', summary: 'auto' }])
  })

  test('an answer cut by the output limit stops at max_tokens; a tiny limit is raised to 16', async () => {
    using upstream = fakeResponses(() => ({ text: 'partial', incomplete: 'max_output_tokens' }))
    await using router = testRouter(configFor(upstream.url))
    const streamed = await client(router.url)
      .messages.stream({ ...ask, max_tokens: 1 })
      .finalMessage()
    expect(streamed.stop_reason).toBe('max_tokens')
    const whole = await client(router.url).messages.create({ ...ask, max_tokens: 1 })
    expect(whole.stop_reason).toBe('max_tokens')
    expect(JSON.parse(upstream.seen[0]?.body ?? '{}')).toMatchObject({ max_output_tokens: 16 })
  })

  test('a failed response or a stream cut short ends in an error event, never a clean stop', async () => {
    const replies: ResponsesAnswer[] = [
      { text: 'half an answ', fail: 'The model crashed' },
      { text: 'half an answer', cutAfter: 6 },
    ]
    using upstream = fakeResponses((_body, index) => replies[index] ?? {})
    await using router = testRouter(configFor(upstream.url))
    for (const expected of ['The model crashed', 'the answer is incomplete']) {
      const response = await fetch(`${router.url}/v1/messages`, {
        method: 'POST',
        headers: claudeHeaders,
        body: JSON.stringify({ ...ask, stream: true }),
      })
      const text = await response.text()
      expect(text).toContain('event: error')
      expect(text).toContain(expected)
      expect(text).not.toContain('message_stop')
    }
    expect(ledgerRows(router.store).map((row) => row.complete)).toEqual([0, 0])
  })

  test("Claude Code's web search runs as OpenAI's, and the pages it cites follow the text", async () => {
    using upstream = fakeResponses(() => ({
      text: 'Bun 1.4 came out in October.',
      citations: [
        { url: 'https://bun.sh/blog/bun-v1.4', title: 'Bun v1.4' },
        { url: 'https://bun.sh/blog/bun-v1.4', title: 'Bun v1.4' },
      ],
    }))
    await using router = testRouter(configFor(upstream.url))
    const search = {
      model: 'claude-opus-5-5',
      max_tokens: 2000,
      messages: [{ role: 'user' as const, content: 'Perform a web search for: bun 1.4' }],
      tools: [
        {
          type: 'web_search_20250305' as const,
          name: 'web_search' as const,
          max_uses: 8,
          allowed_domains: ['bun.sh'],
        },
      ],
    }
    const sources = '\n\nSources:\n- [Bun v1.4](https://bun.sh/blog/bun-v1.4)'
    const streamed = await client(router.url).messages.stream(search).finalMessage()
    expect(streamed.content).toMatchObject([
      { type: 'text', text: `Bun 1.4 came out in October.${sources}` },
    ])
    const whole = await client(router.url).messages.create(search)
    expect(whole.content).toMatchObject([
      { type: 'text', text: `Bun 1.4 came out in October.${sources}` },
    ])
    expect(JSON.parse(upstream.seen[0]?.body ?? '{}')).toMatchObject({
      tools: [{ type: 'web_search', filters: { allowed_domains: ['bun.sh'] } }],
    })
  })

  test('every recorded Claude Code request converts to one the Responses API accepts', async () => {
    using upstream = fakeResponses((body) => ({ text: `ok ${body.input.length}` }))
    await using router = testRouter(configFor(upstream.url))
    for (const { body } of recordedRequestBodies()) {
      const response = await fetch(`${router.url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: claudeHeaders,
        body,
      })
      expect(response.status).toBe(200)
      await response.arrayBuffer()
    }
    expect(upstream.seen.length).toBe(recordedRequestBodies().length)
  })
})
