import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { MessagesRequest } from '../../src/protocol/messages.ts'
import { parseBody } from '../../src/protocol/parse.ts'
import { convertRequest } from '../../src/providers/openai/convert-request.ts'
import { answersTools, fakeOpenAI } from '../fake-openai.ts'
import {
  fakeUpstream,
  fixtureBody,
  heldStream,
  ledgerRows,
  recordedRequestBodies,
  testRouter,
  waitFor,
} from '../helpers.ts'

function configFor(url: string, extra: Record<string, unknown> = {}) {
  return {
    Providers: [
      {
        name: 'oai',
        api_base_url: `${url}/v1/chat/completions`,
        api_key: 'sk-oai-secret-key',
        models: ['gpt-test'],
        ...extra,
      },
    ],
    Router: { default: 'oai,gpt-test' },
  }
}

const claudeHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }

/** Posts each body to the router in turn, as Claude Code would, each answered with a 200. */
async function postEach(routerUrl: string, bodies: readonly string[]) {
  for (const body of bodies) {
    const response = await fetch(`${routerUrl}/v1/messages?beta=true`, {
      method: 'POST',
      headers: claudeHeaders,
      body,
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
  }
}

/** The request converted without the router (no memo): what `configFor` should send. */
function plainConversion(body: string, upstreamUrl: string) {
  return convertRequest({
    request: parseBody(MessagesRequest, body),
    model: 'gpt-test',
    provider: { name: 'oai', endpoint: `${upstreamUrl}/v1/chat/completions` },
    modelEntry: { id: 'gpt-test' },
  })
}

describe('Claude Code requests through an OpenAI-compatible provider', () => {
  test('every recorded Claude Code request converts to one a strict provider accepts', async () => {
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    await using router = testRouter(configFor(upstream.url))
    let posted = 0
    for (const { file, body } of recordedRequestBodies()) {
      posted++
      const response = await fetch(`${router.url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: claudeHeaders,
        body,
      })
      expect({ file, status: response.status }).toEqual({ file, status: 200 })
      await response.arrayBuffer()
    }
    expect(posted).toBeGreaterThan(20)
    expect(upstream.seen).toHaveLength(posted)
    for (const request of upstream.seen) {
      expect(request.headers.authorization).toBe('Bearer sk-oai-secret-key')
      expect(request.path).toBe('/v1/chat/completions')
    }
    // Dropped fields are logged, with the request id, never silently: a set of warnings the
    // provider has met before is a debug line, so every turn of a session is not a warning.
    const warnings = router.records.filter(
      (record) => record.msg === 'the request could not be carried over as sent',
    )
    expect(warnings).toHaveLength(posted)
    expect(warnings.every((record) => typeof record.fields.requestId === 'string')).toBe(true)
    const sets = warnings.map((record) => JSON.stringify(record.fields.warnings))
    const firsts = warnings.filter((record, index) => sets.indexOf(sets[index] ?? '') === index)
    expect(
      firsts.every((record) => record.level === 'warn' && !('repeated' in record.fields)),
    ).toBe(true)
    const repeats = warnings.filter((record) => !firsts.includes(record))
    expect(repeats.length).toBeGreaterThan(0)
    expect(
      repeats.every((record) => record.level === 'debug' && record.fields.repeated === true),
    ).toBe(true)
  })

  test('conversations sent again turn after turn reach the provider as a plain conversion of each', async () => {
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    await using router = testRouter(configFor(upstream.url))
    // Every recording in order, twice: sessions grow turn by turn, then repeat as they were.
    const bodies = [...recordedRequestBodies(), ...recordedRequestBodies()].map(({ body }) => body)
    await postEach(router.url, bodies)
    expect(upstream.seen).toHaveLength(bodies.length)
    for (const [index, body] of bodies.entries()) {
      const plain = plainConversion(body, upstream.url)
      const sent = JSON.parse(upstream.seen[index]?.body ?? '{}') as { messages: unknown }
      expect(sent.messages).toEqual(JSON.parse(JSON.stringify(plain.body.messages)))
    }
  })

  test('bodies built in the shared send buffer: requests at once, each reaches the provider whole', async () => {
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    await using router = testRouter(configFor(upstream.url))
    const recorded = JSON.parse(
      fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json'),
    ) as { messages: unknown[] }
    // Sizes from a few KB to 1.5 MB, so the buffer grows, is reused, and is bypassed.
    const sizes = [0, 300_000, 10, 1_500_000, 70_000, 5, 900_000, 40_000, 0, 200_000]
    const bodies = [...sizes, ...sizes].map((size, index) =>
      JSON.stringify({
        ...recorded,
        messages: [
          ...recorded.messages,
          { role: 'user', content: `request ${index}: ${'é—x'.repeat(size / 3)}` },
        ],
      }),
    )
    const responses = await Promise.all(
      bodies.map((body) =>
        fetch(`${router.url}/v1/messages?beta=true`, {
          method: 'POST',
          headers: claudeHeaders,
          body,
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(bodies.map(() => 200))
    await Promise.all(responses.map((response) => response.arrayBuffer()))
    const sentFor = (index: number) =>
      upstream.seen
        .map((seen) => JSON.parse(seen.body) as { messages: { content?: unknown }[] })
        .find((sent) => String(sent.messages.at(-1)?.content).startsWith(`request ${index}:`))
    for (const [index, body] of bodies.entries()) {
      const plain = plainConversion(body, upstream.url)
      expect(sentFor(index)?.messages).toEqual(JSON.parse(JSON.stringify(plain.body.messages)))
    }
  })

  test('repeated tools are sent from the memo; a changed tool reaches the provider changed', async () => {
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    await using router = testRouter(configFor(upstream.url))
    const original = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')
    const edited = JSON.parse(original) as { tools: { name: string; description: string }[] }
    const bash = edited.tools.find((tool) => tool.name === 'Bash')
    if (bash === undefined) throw new Error('the fixture has a Bash tool')
    bash.description = 'Runs a shell command (edited between turns).'
    const bodies = [original, original, JSON.stringify(edited), original]
    await postEach(router.url, bodies)
    const sentTools = upstream.seen.map(
      (request) =>
        (
          JSON.parse(request.body) as {
            tools: { function: { name: string; description: string } }[]
          }
        ).tools,
    )
    const descriptionOfBash = (tools: (typeof sentTools)[number] | undefined) =>
      tools?.find((tool) => tool.function.name === 'Bash')?.function.description
    const originalBash = (JSON.parse(original) as typeof edited).tools.find(
      (tool) => tool.name === 'Bash',
    )?.description
    expect(sentTools.map(descriptionOfBash)).toEqual([
      originalBash,
      originalBash,
      'Runs a shell command (edited between turns).',
      originalBash,
    ])
    // Whether from the memo or not, the same tools go out in full.
    expect(sentTools[1]).toEqual(sentTools[0] ?? [])
    expect(sentTools[3]).toEqual(sentTools[0] ?? [])
    const plain = plainConversion(original, upstream.url)
    expect(sentTools[0]).toEqual(JSON.parse(JSON.stringify(plain.body.tools)))
  })

  test('a streamed tool call reaches the official SDK as a tool_use, usage corrected at the end', async () => {
    using upstream = fakeOpenAI((body) =>
      answersTools(body)
        ? {
            text: 'The command printed hello.',
            usage: { prompt_tokens: 1500, completion_tokens: 7, cached_tokens: 1000 },
          }
        : {
            reasoning: 'The user wants echo.',
            text: 'Running it.',
            toolCalls: [
              {
                id: 'call_1',
                name: 'Bash',
                arguments: '{"command":"echo hello","description":"Print hello"}',
              },
            ],
            usage: { prompt_tokens: 1200, completion_tokens: 30 },
          },
    )
    await using router = testRouter(
      configFor(upstream.url, { models: [{ id: 'gpt-test', reasoning: 'reasoning_effort' }] }),
    )
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    const first = await client.messages
      .stream({
        model: 'claude-opus-5-5',
        max_tokens: 1000,
        thinking: { type: 'enabled', budget_tokens: 2000 },
        tools: [
          {
            name: 'Bash',
            description: 'Run a command',
            input_schema: { type: 'object', properties: { command: { type: 'string' } } },
          },
        ],
        messages: [{ role: 'user', content: 'Run echo hello' }],
      })
      .finalMessage()
    expect(first.stop_reason).toBe('tool_use')
    expect(first.usage).toMatchObject({
      input_tokens: 1200,
      output_tokens: 30,
      cache_read_input_tokens: 0,
    })
    expect(first.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use'])
    expect(first.content[0]).toMatchObject({
      type: 'thinking',
      thinking: 'The user wants echo.',
      signature: 'ccr:oai',
    })
    expect(first.content[2]).toMatchObject({
      type: 'tool_use',
      id: 'call_1',
      name: 'Bash',
      input: { command: 'echo hello', description: 'Print hello' },
    })
    expect(JSON.parse(upstream.seen[0]?.body ?? '')).toMatchObject({
      reasoning_effort: 'low',
      stream: true,
      stream_options: { include_usage: true },
    })

    const second = await client.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 1000,
      messages: [
        { role: 'user', content: 'Run echo hello' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'hello' }],
        },
      ],
    })
    expect(second.content).toEqual([
      { type: 'text', text: 'The command printed hello.' },
    ] as typeof second.content)
    expect(second.usage).toMatchObject({
      input_tokens: 500,
      cache_read_input_tokens: 1000,
      output_tokens: 7,
    })
    const sent = JSON.parse(upstream.seen[1]?.body ?? '')
    expect(sent.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: 'Running it.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: {
              name: 'Bash',
              arguments: '{"command":"echo hello","description":"Print hello"}',
            },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'hello' },
    ])
  })

  test('arguments encoded twice, or not an object, reach Claude Code as an object, streamed or not', async () => {
    const argumentsByCall: Record<string, string> = {
      twice: JSON.stringify(JSON.stringify({ command: 'ls -la', description: 'List "all"' })),
      list: '["ls"]',
      plain: '{"command":"pwd"}',
    }
    using upstream = fakeOpenAI(() => ({
      toolCalls: Object.entries(argumentsByCall).map(([id, text]) => ({
        id,
        name: 'Bash',
        arguments: text,
      })),
    }))
    await using router = testRouter(configFor(upstream.url))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    const request = {
      model: 'claude-opus-5-5',
      max_tokens: 1000,
      tools: [
        {
          name: 'Bash',
          input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } },
        },
      ],
      messages: [{ role: 'user' as const, content: 'List the files' }],
    }
    const expected = [
      { type: 'tool_use', id: 'twice', input: { command: 'ls -la', description: 'List "all"' } },
      { type: 'tool_use', id: 'list', input: {} },
      { type: 'tool_use', id: 'plain', input: { command: 'pwd' } },
    ]
    const streamed = await client.messages.stream(request).finalMessage()
    expect(streamed.stop_reason).toBe('tool_use')
    expect(streamed.content).toMatchObject(expected)
    const whole = await client.messages.create(request)
    expect(whole.content).toMatchObject(expected)
    // The fake sent the arguments in small pieces: the held ones were joined before unwrapping.
    expect(upstream.seen.map((seen) => JSON.parse(seen.body).stream)).toEqual([true, undefined])
  })

  test('token counts below zero (a malformed reply) reach neither Claude Code nor the ledger', async () => {
    using upstream = fakeOpenAI(() => ({
      text: 'Hi!',
      usage: { prompt_tokens: 100, completion_tokens: -5, cached_tokens: -3 },
    }))
    await using router = testRouter(configFor(upstream.url))
    for (const stream of [false, true]) {
      const client = new Anthropic({ baseURL: router.url, apiKey: 'unused', maxRetries: 0 })
      const request = {
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        messages: [{ role: 'user' as const, content: 'hi' }],
      }
      const message = stream
        ? await client.messages.stream(request).finalMessage()
        : await client.messages.create(request)
      expect(message.usage).toMatchObject({
        input_tokens: 100,
        output_tokens: 0,
        cache_read_input_tokens: 0,
      })
    }
    const rows = await waitFor(() => {
      const all = ledgerRows(router.store)
      return all.length === 2 ? all : undefined
    }, 'two ledger rows')
    for (const row of rows) {
      expect(row).toMatchObject({ input_tokens: 100, output_tokens: 0, cache_read_tokens: 0 })
      // Claude Haiku 4.5's list price for 100 input tokens: $1 per million.
      expect(row.anthropic_cost_usd).toBeCloseTo(0.0001, 12)
    }
  })

  test('the SSE is framed exactly, with an input-token estimate in message_start', async () => {
    using upstream = fakeOpenAI(() => ({
      text: 'Hi!',
      usage: { prompt_tokens: 9, completion_tokens: 2 },
    }))
    await using router = testRouter(configFor(upstream.url))
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({
        model: 'x',
        max_tokens: 50,
        stream: true,
        messages: [{ role: 'user', content: 'Say hi to the whole wide world' }],
      }),
    })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const text = await response.text()
    const frames = text
      .trimEnd()
      .split('\n\n')
      .map((frame) => frame.split('\n'))
    for (const frame of frames) {
      expect(frame).toHaveLength(2)
      const [event = '', data = ''] = frame
      expect(event).toStartWith('event: ')
      expect(data).toStartWith('data: ')
      expect(JSON.parse(data.slice(6)).type).toBe(event.slice(7))
    }
    const types = frames.map((frame) => frame[0]?.slice(7))
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const start = JSON.parse(frames[0]?.[1]?.slice(6) ?? '{}')
    expect(start.message.usage.input_tokens).toBeGreaterThan(5)
    const delta = JSON.parse(frames[4]?.[1]?.slice(6) ?? '{}')
    expect(delta).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 9,
        output_tokens: 2,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    })
  })
})

describe('provider failures', () => {
  test('a provider rejecting its key is a 403 naming it; 429 keeps retry-after; 503 stays 503', async () => {
    const statuses = [401, 429, 503]
    using upstream = fakeOpenAI((_body, index) => ({
      status: statuses[index] ?? 500,
      headers: { 'retry-after': '3' },
    }))
    await using router = testRouter(configFor(upstream.url))
    const results = []
    for (let round = 0; round < 3; round++) {
      const response = await fetch(`${router.url}/v1/messages`, {
        method: 'POST',
        headers: claudeHeaders,
        body: JSON.stringify({
          model: 'x',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      })
      results.push({
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.json(),
      })
    }
    expect(results).toEqual([
      {
        status: 403,
        retryAfter: null,
        body: {
          type: 'error',
          error: {
            type: 'permission_error',
            message:
              'Provider "oai" rejected ccr\'s request with HTTP 401: fake error 401 (check Providers[].api_key of "oai" in ccr\'s config.json; this is not about Claude Code\'s own login)',
          },
        },
      },
      {
        status: 429,
        retryAfter: '3',
        body: {
          type: 'error',
          error: {
            type: 'rate_limit_error',
            message: 'Provider "oai" answered HTTP 429: fake error 429',
          },
        },
      },
      {
        status: 503,
        retryAfter: '3',
        body: {
          type: 'error',
          error: { type: 'api_error', message: 'Provider "oai" answered HTTP 503: fake error 503' },
        },
      },
    ])
  })

  test('a stream that breaks off ends with an error event, not a silent success', async () => {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    using upstream = fakeUpstream(
      () =>
        new Response(chunk({ role: 'assistant', content: 'Half an ans' }), {
          headers: { 'content-type': 'text/event-stream' },
        }),
    )
    await using router = testRouter(configFor(upstream.url))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused', maxRetries: 0 })
    const stream = client.messages.stream({
      model: 'x',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const failure = await stream.finalMessage().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(Anthropic.APIError)
    expect(String((failure as Error).message)).toContain(
      'without finish_reason or [DONE]: the answer is incomplete',
    )
    // The ledger has it as it was: streamed, answered 200, incomplete, the error named.
    const row = await waitFor(() => ledgerRows(router.store)[0], 'the ledger row')
    expect(row).toMatchObject({ streamed: 1, status: 200, complete: 0, error_type: 'api_error' })
  })

  test('the client going away cancels the provider stream', async () => {
    const held = heldStream(
      `data: ${JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { content: 'thinking hard' } }] })}\n\n`,
    )
    using upstream = fakeUpstream(held.response)
    await using router = testRouter(configFor(upstream.url))
    const client = new AbortController()
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      signal: client.signal,
      body: JSON.stringify({
        model: 'x',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    await response.body!.getReader().read()
    client.abort()
    await held.cancelled
    expect(upstream.seen).toHaveLength(1)
    const row = await waitFor(() => ledgerRows(router.store)[0], 'the ledger row')
    expect(row).toMatchObject({ streamed: 1, complete: 0, error_type: 'client_closed' })
  })

  test('a client that stops reading does not make ccr buffer the provider without bound', async () => {
    const encoder = new TextEncoder()
    const piece = encoder.encode(
      `data: ${JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { content: 'x'.repeat(1000) } }] })}\n\n`,
    )
    let pulledBytes = 0
    let lastPull = Date.now()
    using upstream = fakeUpstream(
      () =>
        new Response(
          new ReadableStream(
            {
              pull(controller) {
                pulledBytes += piece.length
                lastPull = Date.now()
                controller.enqueue(piece)
              },
            },
            { highWaterMark: 1 },
          ),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    )
    await using router = testRouter(configFor(upstream.url))
    const abort = new AbortController()
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      signal: abort.signal,
      body: JSON.stringify({
        model: 'x',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    await response.body!.getReader().read()
    // The provider would produce forever; once the client stops reading, the pulls stall.
    const deadline = Date.now() + 20_000
    while (Date.now() - lastPull < 500 && Date.now() < deadline) await Bun.sleep(50)
    expect(Date.now() - lastPull).toBeGreaterThanOrEqual(500)
    expect(pulledBytes).toBeLessThan(64 * 1024 * 1024)
    abort.abort()
  }, 30_000)
})

describe('the rest of the API surface', () => {
  test('count_tokens answers from a local estimate, cached per piece of content', async () => {
    await using router = testRouter(configFor('http://127.0.0.1:9'))
    const body = JSON.parse(
      fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json'),
    )
    const count = async (request: unknown) => {
      const response = await fetch(`${router.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: claudeHeaders,
        body: JSON.stringify(request),
      })
      return ((await response.json()) as { input_tokens: number }).input_tokens
    }
    const whole = await count(body)
    // Claude Code's own provider reported 12387 input tokens for this request.
    expect(whole).toBeGreaterThan(12387 * 0.8)
    expect(whole).toBeLessThan(12387 * 1.25)
    const grown = await count({
      ...body,
      messages: [...body.messages, { role: 'user', content: 'one more question' }],
    })
    expect(grown - whole).toBeGreaterThan(3)
    expect(grown - whole).toBeLessThan(15)
    const sdk = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    expect(
      (
        await sdk.messages.countTokens({
          model: 'x',
          messages: [{ role: 'user', content: 'hello there' }],
        })
      ).input_tokens,
    ).toBeGreaterThan(0)
  })

  test('GET /v1/models lists every provider,model in Anthropic format', async () => {
    await using router = testRouter({
      Providers: [
        {
          name: 'a',
          api_base_url: 'http://127.0.0.1:9/v1/chat/completions',
          models: ['m1', { id: 'm2', max_output_tokens: 10 }],
        },
        { name: 'b', api_base_url: 'http://127.0.0.1:9/v1/messages', models: ['claude-x'] },
      ],
    })
    const sdk = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    const page = await sdk.models.list()
    expect(page.data.map((model) => [model.id, model.display_name, model.type])).toEqual([
      ['a,m1', 'm1 (a)', 'model'],
      ['a,m2', 'm2 (a)', 'model'],
      ['b,claude-x', 'claude-x (b)', 'model'],
    ])
  })
})
