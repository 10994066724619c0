import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { testRouter } from '../helpers.ts'

/**
 * Google's OpenAI-compatible endpoint, reached through the fake below acting as the proxy. Over
 * `http://`, since a proxy sees only a tunnel of an `https://` one; the host is what ccr reads.
 */
const geminiEndpoint = 'http://generativelanguage.googleapis.com/v1beta/openai/chat/completions'

interface SentBody {
  stream?: boolean
  messages: {
    role: string
    tool_calls?: { id: string; extra_content?: { google: { thought_signature: string } } }[]
  }[]
}

/**
 * Gemini as ccr reaches it through `PROXY_URL`: Bun's fetch sends the proxy the whole URL, so
 * this server answers for Google's host and port 0 stands in for the internet. Each answer is
 * a function call signed as Gemini 3 signs them (`extra_content.google.thought_signature` on
 * the step's first call), streamed or whole as asked.
 */
function fakeGemini(calls: { id: string; signature: string }[]) {
  const seen: { url: string; body: SentBody }[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const body = (await request.json()) as SentBody
      seen.push({ url: request.url, body })
      const call = calls[seen.length - 1] ?? { id: 'function-call-x', signature: 'sig-x' }
      const toolCall = {
        extra_content: { google: { thought_signature: call.signature } },
        function: { arguments: '{"command":"ls"}', name: 'Bash' },
        id: call.id,
        type: 'function',
      }
      const usage = { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 }
      if (body.stream !== true) {
        return Response.json({
          id: 'gemini-1',
          object: 'chat.completion',
          created: 1,
          model: 'gemini-3-pro-preview',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: null, tool_calls: [toolCall] },
              finish_reason: 'tool_calls',
            },
          ],
          usage,
        })
      }
      const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        `data: ${JSON.stringify({ id: 'gemini-1', object: 'chat.completion.chunk', created: 1, model: 'gemini-3-pro-preview', choices: [{ index: 0, ...choice }], ...extra })}\n\n`
      return new Response(
        chunk({ delta: { role: 'assistant', tool_calls: [{ index: 0, ...toolCall }] } }) +
          chunk({ delta: {}, finish_reason: 'tool_calls' }, { usage }) +
          'data: [DONE]\n\n',
        { headers: { 'content-type': 'text/event-stream' } },
      )
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, seen, [Symbol.dispose]: () => server.stop(true) }
}

const bash = {
  name: 'Bash',
  input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } },
}

/**
 * A tool loop as Claude Code runs it, three requests: a streamed answer, its tool result, a
 * whole answer, its tool result, and the request after, each carrying the conversation so far.
 */
async function toolLoop(url: string, callIds: [string, string]) {
  const client = new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 })
  const ask = { model: 'claude-opus-5-5', max_tokens: 1000, tools: [bash] }
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'list the files' }]
  const answered = (content: Anthropic.ContentBlock[], id: string) =>
    messages.push(
      { role: 'assistant', content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'a b' }] },
    )
  answered((await client.messages.stream({ ...ask, messages }).finalMessage()).content, callIds[0])
  answered((await client.messages.create({ ...ask, messages })).content, callIds[1])
  await client.messages.create({ ...ask, messages })
}

/** A router whose default is Gemini, reached through the fake at `proxy`. */
function throughGemini(proxy: string) {
  return {
    PROXY_URL: proxy,
    Providers: [
      {
        name: 'gemini',
        api_base_url: geminiEndpoint,
        api_key: 'g-key',
        models: ['gemini-3-pro-preview'],
      },
    ],
    Router: { default: 'gemini,gemini-3-pro-preview' },
  }
}

describe("Gemini's thought signatures through its OpenAI-compatible endpoint", () => {
  test('each function call goes back with the signature it came with, streamed or not', async () => {
    using gemini = fakeGemini([
      { id: 'function-call-1', signature: 'sig-A' },
      { id: 'function-call-2', signature: 'sig-B' },
      { id: 'function-call-3', signature: 'sig-C' },
    ])
    await using router = testRouter(throughGemini(gemini.url))
    await toolLoop(router.url, ['function-call-1', 'function-call-2'])

    expect(gemini.seen.map((request) => request.url)).toEqual(Array(3).fill(geminiEndpoint))
    const signatures = gemini.seen.map((request) =>
      request.body.messages.flatMap((message) =>
        (message.tool_calls ?? []).map((call) => [
          call.id,
          call.extra_content?.google.thought_signature,
        ]),
      ),
    )
    expect(signatures).toEqual([
      [],
      [['function-call-1', 'sig-A']],
      [
        ['function-call-1', 'sig-A'],
        ['function-call-2', 'sig-B'],
      ],
    ])
  })

  test("calls ccr has no signature for (another model's) get Google's stand-in on the step's first call", async () => {
    using gemini = fakeGemini([])
    await using router = testRouter(throughGemini(gemini.url))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused', maxRetries: 0 })
    await client.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 1000,
      tools: [bash],
      messages: [
        { role: 'user', content: 'list the files twice' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_other_1', name: 'Bash', input: { command: 'ls' } },
            { type: 'tool_use', id: 'toolu_other_2', name: 'Bash', input: { command: 'ls -a' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_other_1', content: 'a' },
            { type: 'tool_result', tool_use_id: 'toolu_other_2', content: 'a .b' },
          ],
        },
      ],
    })
    const calls = gemini.seen[0]?.body.messages.flatMap((message) => message.tool_calls ?? [])
    expect(calls?.map((call) => call.extra_content)).toEqual([
      { google: { thought_signature: 'skip_thought_signature_validator' } },
      undefined,
    ])
  })
})

describe("OpenRouter's reasoning_details", () => {
  test('go back with the step that called tools, joined from their streamed pieces or whole', async () => {
    const format = 'google-gemini-v1'
    const seen: SentBody[] = []
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(request) {
        const body = (await request.json()) as SentBody
        seen.push(body)
        const id = `or-call-${seen.length}`
        const call = {
          id,
          type: 'function',
          function: { name: 'Bash', arguments: '{"command":"ls"}' },
        }
        if (body.stream !== true) {
          return Response.json({
            id: 'gen-2',
            object: 'chat.completion',
            created: 1,
            model: 'google/gemini-3-pro-preview',
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: null,
                  reasoning_details: [
                    { type: 'reasoning.encrypted', data: 'enc-B', index: 0, format },
                  ],
                  tool_calls: [call],
                },
                finish_reason: 'tool_calls',
              },
            ],
          })
        }
        const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
          `data: ${JSON.stringify({ id: 'gen-1', object: 'chat.completion.chunk', created: 1, model: 'google/gemini-3-pro-preview', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
        return new Response(
          chunk({
            role: 'assistant',
            reasoning: 'Let me',
            reasoning_details: [{ type: 'reasoning.text', text: 'Let me', index: 0, format }],
          }) +
            chunk({
              reasoning: ' think',
              reasoning_details: [{ type: 'reasoning.text', text: ' think', index: 0 }],
            }) +
            chunk({
              reasoning_details: [{ type: 'reasoning.encrypted', data: 'enc-A', index: 1, format }],
            }) +
            chunk({ tool_calls: [{ index: 0, ...call }] }) +
            chunk({}, 'tool_calls') +
            'data: [DONE]\n\n',
          { headers: { 'content-type': 'text/event-stream' } },
        )
      },
    })
    try {
      await using router = testRouter({
        PROXY_URL: `http://127.0.0.1:${server.port}`,
        Providers: [
          {
            name: 'openrouter',
            api_base_url: 'http://openrouter.ai/api/v1/chat/completions',
            api_key: 'sk-or',
            models: ['google/gemini-3-pro-preview'],
          },
        ],
        Router: { default: 'openrouter,google/gemini-3-pro-preview' },
      })
      await toolLoop(router.url, ['or-call-1', 'or-call-2'])

      const assistants = (seen[2]?.messages ?? []).filter((message) => message.role === 'assistant')
      expect(
        assistants.map((message) => (message as { reasoning_details?: unknown }).reasoning_details),
      ).toEqual([
        [
          { type: 'reasoning.text', text: 'Let me think', index: 0, format },
          { type: 'reasoning.encrypted', data: 'enc-A', index: 1, format },
        ],
        [{ type: 'reasoning.encrypted', data: 'enc-B', index: 0, format }],
      ])
    } finally {
      server.stop(true)
    }
  })
})
