import { describe, expect, test } from 'bun:test'
import { chatCompletion } from '../fake-openai.ts'
import { fakeUpstream, fixtureBody, testRouter } from '../helpers.ts'

interface Sent {
  messages: { role: string; content: unknown }[]
}

// A tool loop's second turn: marks on two system blocks and on the last block, a tool_result.
const claudeCodeTurn = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')

/** Every `cache_control` in a body, by where it sits. */
function marksIn(value: unknown, path = ''): Record<string, unknown> {
  if (Array.isArray(value))
    return Object.assign({}, ...value.map((item, index) => marksIn(item, `${path}[${index}]`)))
  if (typeof value !== 'object' || value === null) return {}
  const record = value as Record<string, unknown>
  const own = 'cache_control' in record ? { [path]: record.cache_control } : {}
  return Object.assign(
    own,
    ...Object.entries(record).map(([key, inner]) => marksIn(inner, `${path}.${key}`)),
  )
}

/** OpenRouter as ccr reaches it through `PROXY_URL` (see gemini-signatures.test.ts). */
function fakeOpenRouter() {
  return fakeUpstream((request) => {
    const body = JSON.parse(request.body) as { model: string }
    return Response.json(chatCompletion(body.model, { text: 'ok' }))
  })
}

async function send(url: string) {
  const response = await fetch(`${url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: claudeCodeTurn.replace('"stream":true', '"stream":false'),
  })
  expect(response.status).toBe(200)
  await response.arrayBuffer()
}

describe("Claude Code's prompt-cache marks through an OpenAI-compatible gateway", () => {
  test("OpenRouter's Claude gets them on the system prompt and the conversation's end; its other models do not", async () => {
    using openrouter = fakeOpenRouter()
    await using router = testRouter({
      PROXY_URL: openrouter.url,
      Providers: [
        {
          name: 'openrouter',
          api_base_url: 'http://openrouter.ai/api/v1/chat/completions',
          api_key: 'sk-or',
          models: ['anthropic/claude-sonnet-4.5', 'openai/gpt-5'],
        },
      ],
      Router: { default: 'openrouter,anthropic/claude-sonnet-4.5' },
    })
    await send(router.url)
    const sent = JSON.parse(openrouter.seen[0]?.body ?? '{}') as Sent
    const last = sent.messages.length - 1
    expect(marksIn(sent.messages)).toEqual({
      '[0].content[0]': { type: 'ephemeral' },
      [`[${last}].content[0]`]: { type: 'ephemeral' },
    })
    expect(sent.messages[0]?.role).toBe('system')
    expect(sent.messages[last]).toMatchObject({ role: 'tool', content: [{ type: 'text' }] })
    const warned = router.records.flatMap((record) => JSON.stringify(record.fields ?? {}))
    expect(warned.join('\n')).not.toContain('markers dropped')

    const other = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        ...JSON.parse(claudeCodeTurn),
        model: 'openrouter,openai/gpt-5',
        stream: false,
      }),
    })
    expect(other.status).toBe(200)
    expect(marksIn(JSON.parse(openrouter.seen.at(-1)?.body ?? '{}'))).toEqual({})
  })

  test('a model entry says so for another gateway (LiteLLM before Claude)', async () => {
    using litellm = fakeOpenRouter()
    await using router = testRouter({
      Providers: [
        {
          name: 'litellm',
          api_base_url: `${litellm.url}/v1/chat/completions`,
          models: [{ id: 'claude-sonnet', cache_control: true }, 'qwen'],
        },
      ],
      Router: { default: 'litellm,claude-sonnet' },
    })
    await send(router.url)
    expect(Object.keys(marksIn(JSON.parse(litellm.seen[0]?.body ?? '{}')))).toHaveLength(2)
  })
})
