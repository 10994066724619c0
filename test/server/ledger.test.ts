import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { calcPrice } from '@pydantic/genai-prices'
import { fakeOpenAI } from '../fake-openai.ts'
import { fakeUpstream, fixtureText, testRouter, waitFor } from '../helpers.ts'

interface Row {
  request_id: string
  slot: string
  requested_model: string
  provider: string | null
  model: string | null
  attempts: string
  fallbacks: number
  streamed: number
  status: number
  error_type: string | null
  complete: number
  input_tokens: number | null
  output_tokens: number | null
  cache_read_tokens: number | null
  cache_write_tokens: number | null
  reasoning_tokens: number | null
  latency_ms: number | null
  ttft_ms: number | null
  output_tps: number | null
  cost_usd: number | null
  anthropic_cost_usd: number | null
  session_id: string | null
  project: string | null
}

function rows(store: { query: (sql: string) => { all: () => unknown[] } }): Row[] {
  return store.query('SELECT * FROM requests ORDER BY id').all() as Row[]
}

/** Anthropic list price of these tokens for a Claude model, from the table itself. */
function listPrice(
  model: string,
  input: number,
  output: number,
  cacheRead = 0,
  cacheWrite = 0,
): number {
  const price = calcPrice(
    {
      input_tokens: input + cacheRead + cacheWrite,
      output_tokens: output,
      cache_read_tokens: cacheRead,
      cache_write_tokens: cacheWrite,
    },
    model,
    { providerId: 'anthropic' },
  )
  if (price === null) throw new Error(`no price for ${model}`)
  return price.total_price
}

/** One OpenAI-compatible provider, DeepSeek's shape, serving every request. */
function deepseekConfig(url: string) {
  return {
    Providers: [
      { name: 'deepseek', api_base_url: `${url}/v1/chat/completions`, models: ['deepseek-chat'] },
    ],
    Router: { default: 'deepseek,deepseek-chat' },
  }
}

describe('the ledger', () => {
  test('an OpenAI-shaped stream: the row holds what the provider reported, priced from the table', async () => {
    using upstream = fakeOpenAI(() => ({
      text: 'Hi there.',
      reasoning: 'Greet.',
      usage: { prompt_tokens: 2000, completion_tokens: 50, cached_tokens: 1500 },
    }))
    await using router = testRouter(deepseekConfig(upstream.url))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    const { response } = await client.messages
      .stream(
        {
          model: 'claude-sonnet-4-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'hi' }],
        },
        { headers: { 'x-claude-code-session-id': 'sess-1', 'x-ccr-project': '/work/app' } },
      )
      .withResponse()
    const requestId = response.headers.get('x-request-id')
    await waitFor(() => rows(router.store)[0], 'the row')
    const [row] = rows(router.store)
    // The fake reported a streamed completion; Bun's fetch answered the URL of a local server.
    expect(row).toMatchObject({
      request_id: requestId,
      session_id: 'sess-1',
      project: '/work/app',
      slot: 'default',
      requested_model: 'claude-sonnet-4-5',
      provider: 'deepseek',
      model: 'deepseek-chat',
      attempts: '["deepseek,deepseek-chat 200"]',
      fallbacks: 0,
      streamed: 1,
      status: 200,
      error_type: null,
      complete: 1,
      input_tokens: 500,
      output_tokens: 50,
      cache_read_tokens: 1500,
      cache_write_tokens: 0,
    })
    // A server on 127.0.0.1 is local: it costs nothing, which is not the same as unknown.
    expect(row?.cost_usd).toBe(0)
    expect(row?.anthropic_cost_usd).toBeCloseTo(listPrice('claude-sonnet-4-5', 500, 50, 1500), 10)
    expect(row?.latency_ms).toBeGreaterThan(0)
    expect(row?.ttft_ms).toBeGreaterThan(0)
  })

  test('an OpenAI-shaped answer, not streamed: recorded from the message ccr made, headers kept', async () => {
    using upstream = fakeOpenAI(() => ({
      text: 'Hi there.',
      usage: { prompt_tokens: 1200, completion_tokens: 30, cached_tokens: 200 },
    }))
    await using router = testRouter(deepseekConfig(upstream.url))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    const { data: message, response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .withResponse()
    expect(
      message.content.map((block) => (block.type === 'text' ? block.text : block.type)),
    ).toEqual(['Hi there.'])
    expect(response.headers.get('x-ccr-provider')).toBe('deepseek')
    expect(response.headers.get('x-ccr-slot')).toBe('default')
    await waitFor(() => rows(router.store)[0], 'the row')
    const [row] = rows(router.store)
    expect(row).toMatchObject({
      request_id: response.headers.get('x-request-id'),
      provider: 'deepseek',
      model: 'deepseek-chat',
      streamed: 0,
      status: 200,
      complete: 1,
      input_tokens: message.usage.input_tokens,
      output_tokens: 30,
      cache_read_tokens: 200,
    })
    expect(row?.input_tokens).toBe(1000)
    expect(row?.latency_ms).toBeGreaterThan(0)
    const done = router.records.find((record) => record.msg === 'done')
    expect(done?.fields.usage).toEqual(message.usage)
  })

  test('an Anthropic passthrough, streaming and not, with cache writes; prices from the table by model', async () => {
    const streamed = fixtureText('print-bash', '01-main-turn1-stream.response.sse')
    using upstream = fakeUpstream((request) =>
      JSON.parse(request.body).stream === true
        ? new Response(streamed, { headers: { 'content-type': 'text/event-stream' } })
        : Response.json({
            id: 'msg_2',
            type: 'message',
            role: 'assistant',
            model: 'claude-haiku-4-5',
            content: [{ type: 'text', text: 'short' }],
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: {
              input_tokens: 30,
              output_tokens: 7,
              cache_creation_input_tokens: 400,
              cache_read_input_tokens: 0,
            },
          }),
    )
    await using router = testRouter({
      Providers: [
        // Priced by the model id, as a public endpoint would be; the URL is local only in tests.
        {
          name: 'anthropic',
          api_base_url: `${upstream.url}/v1/messages`,
          models: [
            {
              id: 'claude-haiku-4-5',
              price: { input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 },
            },
          ],
        },
      ],
      Router: { default: 'anthropic,claude-haiku-4-5' },
    })
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    await client.messages
      .stream({
        model: 'claude-opus-5-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'a' }],
      })
      .finalMessage()
    await client.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'b' }],
    })
    await waitFor(() => (rows(router.store).length === 2 ? true : undefined), 'two rows')
    const [first, second] = rows(router.store)
    // The recorded stream reported 12311 input tokens and, at the end, 19 output tokens.
    expect(first).toMatchObject({
      streamed: 1,
      complete: 1,
      input_tokens: 12311,
      output_tokens: 19,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
    })
    expect(first?.cost_usd).toBeCloseTo((12311 * 1 + 19 * 5) / 1e6, 12)
    expect(first?.anthropic_cost_usd).toBeCloseTo(listPrice('claude-opus-5-5', 12311, 19), 12)
    expect(second).toMatchObject({
      streamed: 0,
      complete: 1,
      input_tokens: 30,
      output_tokens: 7,
      cache_write_tokens: 400,
    })
    expect(second?.cost_usd).toBeCloseTo((30 * 1 + 7 * 5 + 400 * 1.25) / 1e6, 12)
  })

  test('a fallback and a failure: both recorded, with every attempt', async () => {
    using broken = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'api_error', message: 'boom' } },
        { status: 502 },
      ),
    )
    using working = fakeOpenAI(() => ({
      text: 'ok',
      usage: { prompt_tokens: 10, completion_tokens: 2 },
    }))
    await using router = testRouter({
      Providers: [
        { name: 'broken', api_base_url: `${broken.url}/v1/messages`, models: ['b'] },
        { name: 'working', api_base_url: `${working.url}/v1/chat/completions`, models: ['w'] },
      ],
      Router: { default: ['broken,b', 'working,w'], think: 'broken,b' },
    })
    const ask = (effort: string) =>
      fetch(`${router.url}/v1/messages`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'claude-opus-5-5',
          max_tokens: 5,
          output_config: { effort },
          messages: [{ role: 'user', content: 'x' }],
        }),
      })
    expect((await ask('medium')).status).toBe(200)
    expect((await ask('max')).status).toBe(502)
    await waitFor(() => (rows(router.store).length === 2 ? true : undefined), 'two rows')
    const [fellBack, failed] = rows(router.store)
    expect(fellBack).toMatchObject({
      slot: 'default',
      provider: 'working',
      attempts: '["broken,b 502","working,w 200"]',
      fallbacks: 1,
      status: 200,
      input_tokens: 10,
    })
    expect(failed).toMatchObject({
      slot: 'think',
      provider: null,
      attempts: '["broken,b 502"]',
      status: 502,
      error_type: 'upstream_error',
      complete: 0,
      cost_usd: null,
    })
  })
})
