import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { fakeOpenAI } from '../fake-openai.ts'
import { fakeUpstream, testRouter, waitFor } from '../helpers.ts'

function config(url: string, cache: Record<string, unknown>) {
  return {
    Providers: [
      {
        name: 'paid',
        api_base_url: `${url}/v1/chat/completions`,
        models: [{ id: 'big', price: { input: 2, output: 8 } }, 'small'],
      },
    ],
    Router: { default: 'paid,big', background: 'paid,small' },
    Cache: cache,
  }
}

const question = {
  model: 'claude-opus-5-5',
  max_tokens: 50,
  temperature: 0,
  messages: [{ role: 'user' as const, content: 'What is 2+2?' }],
}

function cacheRows(store: { query: (sql: string) => { all: () => unknown[] } }) {
  return store
    .query('SELECT cache_hit, saved_usd, cost_usd, provider FROM requests ORDER BY id')
    .all() as {
    cache_hit: number
    saved_usd: number | null
    cost_usd: number | null
    provider: string
  }[]
}

/** A provider that answers "Four." for 1 000 input and 100 output tokens. */
const answersFour = () =>
  fakeOpenAI(() => ({ text: 'Four.', usage: { prompt_tokens: 1000, completion_tokens: 100 } }))

/** Resolves once the cache holds an answer: stored when the response is done, off its path. */
const cachedAnswer = (store: { query: (sql: string) => { get: () => unknown } }) =>
  waitFor(
    () =>
      (store.query('SELECT COUNT(*) AS n FROM response_cache').get() as { n: number }).n ||
      undefined,
    'the cached answer',
  )

describe('the response cache', () => {
  test('a repeated streaming request is replayed from the cache: no upstream call, the SDK reads it, the ledger marks it', async () => {
    using upstream = answersFour()
    await using router = testRouter(config(upstream.url, { enabled: true }))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })

    const first = await client.messages.stream(question).withResponse()
    expect(first.response.headers.get('x-ccr-cache')).toBe('miss')
    const original = await first.data.finalMessage()
    await waitFor(() => (cacheRows(router.store).length === 1 ? true : undefined), 'the first row')
    await cachedAnswer(router.store)

    const second = await client.messages.stream(question).withResponse()
    expect(second.response.headers.get('x-ccr-cache')).toBe('hit')
    const replayed = await second.data.finalMessage()
    expect(upstream.seen).toHaveLength(1)
    expect(replayed.content).toEqual(original.content)
    expect(replayed.id).not.toBe(original.id)

    // The same answer serves a non-streaming request too.
    const plain = await client.messages.create({ ...question, stream: false })
    expect(plain.content).toEqual(original.content)
    expect(upstream.seen).toHaveLength(1)

    await waitFor(() => (cacheRows(router.store).length === 3 ? true : undefined), 'three rows')
    // (1000 × $2 + 100 × $8) per million = $0.0028, saved by each hit.
    expect(cacheRows(router.store)).toEqual([
      { cache_hit: 0, saved_usd: null, cost_usd: expect.closeTo(0.0028, 10), provider: 'paid' },
      { cache_hit: 1, saved_usd: expect.closeTo(0.0028, 10), cost_usd: 0, provider: 'paid' },
      { cache_hit: 1, saved_usd: expect.closeTo(0.0028, 10), cost_usd: 0, provider: 'paid' },
    ])
  })

  test('a translated answer that was not streamed is stored too, and replays as a stream', async () => {
    using upstream = answersFour()
    await using router = testRouter(config(upstream.url, { enabled: true }))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    const first = await client.messages.create({ ...question, stream: false }).withResponse()
    expect(first.response.headers.get('x-ccr-cache')).toBe('miss')
    await cachedAnswer(router.store)
    const second = await client.messages.stream(question).withResponse()
    expect(second.response.headers.get('x-ccr-cache')).toBe('hit')
    const replayed = await second.data.finalMessage()
    expect(JSON.parse(JSON.stringify(replayed.content))).toEqual(
      JSON.parse(JSON.stringify(first.data.content)),
    )
    expect(upstream.seen).toHaveLength(1)
    await waitFor(() => (cacheRows(router.store).length === 2 ? true : undefined), 'two rows')
    // The miss was recorded with its usage while its bytes were collected.
    expect(cacheRows(router.store)[0]).toEqual({
      cache_hit: 0,
      saved_usd: null,
      cost_usd: expect.closeTo(0.0028, 10),
      provider: 'paid',
    })
  })

  test('sampled requests, errors and truncated streams are never cached', async () => {
    let round = 0
    using upstream = fakeUpstream(() => {
      round++
      if (round <= 2) return Response.json({ error: { message: 'busy' } }, { status: 503 })
      // A stream that stops before finishing.
      return new Response(
        `data: ${JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { content: 'Fo' } }] })}\n\n`,
        {
          headers: { 'content-type': 'text/event-stream' },
        },
      )
    })
    await using router = testRouter(config(upstream.url, { enabled: true }))
    const ask = (body: object) =>
      fetch(`${router.url}/v1/messages`, { method: 'POST', body: JSON.stringify(body) }).then(
        (response) => response.text(),
      )
    await ask(question)
    await ask(question)
    await ask({ ...question, stream: true })
    await ask({ ...question, stream: true })
    expect(upstream.seen).toHaveLength(4)
    // Without temperature 0 the provider samples: not cached unless the user opts in.
    const { temperature: _sampled, ...sampled } = question
    const header = (
      await fetch(`${router.url}/v1/messages`, { method: 'POST', body: JSON.stringify(sampled) })
    ).headers.get('x-ccr-cache')
    expect(header).toBeNull()
    expect(router.store.query('SELECT COUNT(*) AS n FROM response_cache').get()).toEqual({ n: 0 })
  })

  test('per slot: background answers cached, sampled ones by opt-in', async () => {
    using upstream = fakeOpenAI(() => ({ text: '{"title":"Adding numbers"}' }))
    await using router = testRouter(
      config(upstream.url, {
        enabled: false,
        includeSampled: true,
        slots: { background: { enabled: true, ttlSeconds: 60 } },
      }),
    )
    const title = {
      model: 'ccr-background',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Title for: what is 2+2?' }],
    }
    const ask = async (body: object) => {
      const response = await fetch(`${router.url}/v1/messages`, {
        method: 'POST',
        body: JSON.stringify(body),
      })
      await response.text()
      return response.headers.get('x-ccr-cache')
    }
    expect(await ask(title)).toBe('miss')
    await waitFor(
      () =>
        (router.store.query('SELECT COUNT(*) AS n FROM response_cache').get() as { n: number }).n ||
        undefined,
      'the cached title',
    )
    expect(await ask(title)).toBe('hit')
    expect(await ask({ ...title, model: 'claude-opus-5-5' })).toBeNull()
    expect(upstream.seen).toHaveLength(2)
  })
})
