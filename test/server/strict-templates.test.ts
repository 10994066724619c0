import { describe, expect, test } from 'bun:test'
import { chatCompletion } from '../fake-openai.ts'
import { fakeUpstream, fixtureBody, testRouter } from '../helpers.ts'

interface Sent {
  messages: { role: string; content: unknown }[]
}

/**
 * A local server whose chat template takes a system message only first, as vLLM reports a
 * Jinja template's refusal (Llama, Mistral, Gemma): 400 with the template's words.
 */
function strictTemplate(otherwise?: () => Response) {
  return fakeUpstream((request) => {
    const body = JSON.parse(request.body) as Sent
    const misplaced = body.messages.some((message, index) => message.role === 'system' && index > 0)
    if (misplaced) {
      return Response.json(
        {
          object: 'error',
          message: 'System message must be at the beginning.',
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
        { status: 400 },
      )
    }
    return otherwise?.() ?? Response.json(chatCompletion('mistral', { text: 'done' }))
  })
}

// Claude Code 2.1.332 puts its environment block in a system message after the first user one.
const claudeCodeTurn = fixtureBody('print-write', '01-main-turn1-stream.request.json')
const post = (url: string) =>
  fetch(`${url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: claudeCodeTurn,
  })

describe('a chat template that takes system messages only first', () => {
  test('the refused request is sent again with them folded into user messages, and so is every later one', async () => {
    using upstream = strictTemplate()
    const config = {
      Providers: [
        { name: 'vllm', api_base_url: `${upstream.url}/v1/chat/completions`, models: ['mistral'] },
      ],
      Router: { default: 'vllm,mistral' },
    }
    await using router = testRouter(config)
    const first = await post(router.url)
    expect(first.status).toBe(200)
    expect(await first.text()).toContain('message_stop')
    expect(upstream.seen).toHaveLength(2)
    const folded = JSON.parse(upstream.seen[1]?.body ?? '{}') as Sent
    expect(folded.messages.map((message) => message.role)).toEqual(['system', 'user'])
    const userText = JSON.stringify(folded.messages[1]?.content)
    expect(userText).toContain('Create a file mock-output.txt saying hello')
    expect(userText).toContain('<system-reminder>\\n# Environment')
    expect(
      router.records.filter((record) => record.level === 'warn').map((record) => record.msg),
    ).toContain(
      'vllm,mistral takes system messages only first: ccr folds the others into user messages from now on',
    )

    // Learned: the next request goes folded at once.
    expect((await post(router.url)).status).toBe(200)
    expect(upstream.seen).toHaveLength(3)
    expect(
      (JSON.parse(upstream.seen[2]?.body ?? '{}') as Sent).messages.map((m) => m.role),
    ).toEqual(['system', 'user'])

    // Kept in the store: after a restart the first request goes folded too.
    await Bun.sleep(20)
    await using restarted = testRouter(config, { store: router.storePath })
    expect((await post(restarted.url)).status).toBe(200)
    expect(upstream.seen).toHaveLength(4)
  })

  test('another 400 is not sent again', async () => {
    using upstream = fakeUpstream(() =>
      Response.json({ error: { message: 'max_tokens is too large' } }, { status: 400 }),
    )
    await using router = testRouter({
      Providers: [
        { name: 'vllm', api_base_url: `${upstream.url}/v1/chat/completions`, models: ['llama'] },
      ],
      Router: { default: 'vllm,llama' },
    })
    const response = await post(router.url)
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('max_tokens is too large')
    expect(upstream.seen).toHaveLength(1)
  })
})
