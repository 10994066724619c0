import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import {
  fakeUpstream,
  fixtureBody,
  fixtureText,
  heldStream,
  ledgerRows,
  sse,
  testRouter,
  waitFor,
} from '../helpers.ts'

const providerKey = 'sk-provider-secret-0123456789'

function configFor(upstreamUrl: string, extra: Record<string, unknown> = {}) {
  return {
    Providers: [
      {
        name: 'anthro',
        api_base_url: `${upstreamUrl}/v1/messages`,
        api_key: providerKey,
        models: ['served-model'],
        ...extra,
      },
    ],
    Router: { default: 'anthro,served-model' },
  }
}

const claudeHeaders = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
  'x-api-key': 'client-key-must-not-travel',
  'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
}

/** A whole Anthropic message with one text block, as the provider answers without streaming. */
function textMessage(text: string, usage: { input_tokens: number; output_tokens: number }) {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'served-model',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
  }
}

describe('anthropic passthrough', () => {
  test('forwards the body byte for byte except the model, with the right headers', async () => {
    // A real Claude Code request; re-spaced so byte preservation is visible.
    const original = JSON.stringify(
      JSON.parse(fixtureBody('print-bash', '01-main-turn1-stream.request.json')),
      null,
      1,
    )
    const reply = fixtureText('print-bash', '01-main-turn1-stream.response.sse')
    using upstream = fakeUpstream(
      () =>
        new Response(reply, {
          headers: { 'content-type': 'text/event-stream', 'request-id': 'req_up' },
        }),
    )
    await using router = testRouter(configFor(upstream.url))

    const response = await fetch(`${router.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: claudeHeaders,
      body: original,
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(reply)
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(response.headers.get('request-id')).toBe('req_up')
    expect(response.headers.get('x-ccr-provider')).toBe('anthro')
    expect(response.headers.get('x-ccr-model')).toBe('served-model')

    const seen = upstream.seen[0]
    expect(seen?.path).toBe('/v1/messages')
    // The name is written over the client's; the three bytes it leaves are spaces.
    expect(seen?.body).toBe(
      original.replace('"model": "claude-opus-5-5"', '"model": "served-model"   '),
    )
    expect(seen?.headers['x-api-key']).toBe(providerKey)
    expect(seen?.headers['anthropic-version']).toBe('2023-06-01')
    expect(seen?.headers['anthropic-beta']).toBe(claudeHeaders['anthropic-beta'])
    expect(seen?.headers.authorization).toBeUndefined()
  })

  test('a fallback to another Anthropic provider sends its own model, the rest unchanged', async () => {
    using failing = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        { status: 529 },
      ),
    )
    using backup = fakeUpstream(() =>
      Response.json(textMessage('ok', { input_tokens: 10, output_tokens: 1 })),
    )
    await using router = testRouter({
      Providers: [
        { name: 'first', api_base_url: `${failing.url}/v1/messages`, models: ['m1'] },
        {
          name: 'backup',
          api_base_url: `${backup.url}/v1/messages`,
          models: ['a-model-name-longer-than-claudes'],
        },
      ],
      Router: { default: ['first,m1', 'backup,a-model-name-longer-than-claudes'] },
    })
    const original = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')
    const client = JSON.parse(original) as { model: string }
    const response = await fetch(`${router.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: claudeHeaders,
      body: original,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-ccr-attempts')).toBe(
      'first,m1 529; backup,a-model-name-longer-than-claudes 200',
    )
    await response.arrayBuffer()
    const modelMember = `"model":${JSON.stringify(client.model)}`
    expect(original).toContain(modelMember)
    // The first written over the client's name in place; the backup's, longer, in a new body.
    const padding = ' '.repeat(client.model.length - 'm1'.length)
    expect(failing.seen[0]?.body).toBe(original.replace(modelMember, `"model":"m1"${padding}`))
    expect(backup.seen[0]?.body).toBe(
      original.replace(modelMember, '"model":"a-model-name-longer-than-claudes"'),
    )
  })

  test('thinking another provider made (signed ccr:…) is removed; the rest is kept', async () => {
    using upstream = fakeUpstream(() =>
      Response.json(textMessage('ok', { input_tokens: 10, output_tokens: 1 })),
    )
    await using router = testRouter(configFor(upstream.url))
    const turn = (signature: string) => ({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Reasoning — with “quotes” and 🤖.', signature },
        { type: 'text', text: 'Done.' },
      ],
    })
    const body = {
      model: 'claude-opus-5-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'first question' },
        turn('ccr:oai'),
        { role: 'user', content: 'second question' },
        turn('EuYBCkYIBhgCKkD-anthropic-signed'),
        { role: 'user', content: 'third question' },
      ],
    }
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify(body),
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    const sent = JSON.parse(upstream.seen[0]?.body ?? '') as typeof body
    expect(sent.model).toBe('served-model')
    expect(sent.messages[1]?.content).toEqual([{ type: 'text', text: 'Done.' }])
    expect(sent.messages[3]).toEqual(turn('EuYBCkYIBhgCKkD-anthropic-signed'))
    const warning = router.records.find(
      (record) => record.msg === 'the request could not be carried over as sent',
    )
    expect(JSON.stringify(warning?.fields.warnings)).toContain(
      '1 thinking blocks from another provider',
    )
  })

  test('those blocks are cut out of the bytes as sent; every other byte stays', async () => {
    using upstream = fakeUpstream(() =>
      Response.json(textMessage('ok', { input_tokens: 10, output_tokens: 1 })),
    )
    await using router = testRouter(configFor(upstream.url))
    const thinking = (signature: string) =>
      `{"type":"thinking","thinking":"Why \\"ccr:\\" [and] {so} on","signature":"${signature}"}`
    const parts = (blocks: string[]) => `[ ${blocks.join(' ,\n  ')} ]`
    // Foreign blocks first, in the middle, last, in runs, alone; spacing and key order odd.
    const assistant = (blocks: string[]) =>
      `{ "content" : ${parts(blocks)}, "role":"assistant", "x_future": {"a": [1, 2]} }`
    const text = (words: string) => `{"type":"text","text":"${words}"}`
    const messages = (stripped: boolean) => {
      const foreign = (signature: string) => (stripped ? [] : [thinking(signature)])
      return [
        `{"role":"user","content":"first"}`,
        assistant([
          ...foreign('ccr:a'),
          ...foreign('ccr:b'),
          text('one'),
          ...foreign('ccr:c'),
          text('two'),
        ]),
        `{"role":"user","content":[{"type":"text","text":"second"}]}`,
        assistant([
          thinking('EuYB-anthropic'),
          text('three'),
          ...foreign('ccr:d'),
          ...foreign('ccr:e'),
        ]),
        `{"role":"user","content":"third"}`,
        assistant([...foreign('ccr:f')]),
        `{"role":"user","content":"fourth"}`,
      ]
    }
    const body = (model: string, stripped: boolean) =>
      `{"model":${model},  "max_tokens":100,\n"messages":[${messages(stripped).join(',\n ')}],"metadata":{"user_id":"u"}}`
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: body('"claude-opus-5-5"', false),
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    // The model's name is written over the client's, the bytes left over as spaces.
    expect(upstream.seen[0]?.body).toBe(body('"served-model"   ', true))
  })

  test('where the bytes hold a key twice, the parse decides what is removed', async () => {
    using upstream = fakeUpstream(() =>
      Response.json(textMessage('ok', { input_tokens: 10, output_tokens: 1 })),
    )
    await using router = testRouter(configFor(upstream.url))
    // JSON.parse keeps the last "content"; read from the start the bytes have the first.
    const body =
      '{"model":"claude-opus-5-5","max_tokens":100,"messages":[{"role":"user","content":"q"},' +
      '{"role":"assistant","content":[{"type":"text","text":"stale"}],"content":[' +
      '{"type":"thinking","thinking":"t","signature":"ccr:x"},{"type":"text","text":"Done."}]},' +
      '{"role":"user","content":"next"}]}'
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body,
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    const sent = JSON.parse(upstream.seen[0]?.body ?? '') as {
      messages: { content: unknown }[]
    }
    expect(sent.messages[1]?.content).toEqual([{ type: 'text', text: 'Done.' }])
  })

  test("the ledger takes no token count below zero from a provider's answer", async () => {
    using upstream = fakeUpstream(() =>
      Response.json(textMessage('ok', { input_tokens: 40, output_tokens: -5 })),
    )
    await using router = testRouter(configFor(upstream.url))
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({
        model: 'claude-opus-5-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    // The answer reaches Claude Code as the provider sent it; the ledger counts what it can.
    expect(((await response.json()) as { usage: unknown }).usage).toMatchObject({
      output_tokens: -5,
    })
    const row = await waitFor(() => ledgerRows(router.store)[0], 'the ledger row')
    expect(row).toMatchObject({ input_tokens: 40, output_tokens: 0 })
  })

  test('keeps fields it does not know, nested ones included', async () => {
    using upstream = fakeUpstream(() => Response.json({ ok: true }))
    await using router = testRouter(configFor(upstream.url))
    const body = {
      model: 'claude-opus-5-5',
      max_tokens: 100,
      future_field: { nested: [1, 2, 3] },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi', cache_control: { type: 'ephemeral' }, brand_new: true },
          ],
        },
      ],
    }
    await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify(body),
    })
    expect(JSON.parse(upstream.seen[0]?.body ?? '')).toEqual({ ...body, model: 'served-model' })
  })

  test('sends the key as Bearer when the provider says so, CCR style', async () => {
    using upstream = fakeUpstream(() => Response.json({ ok: true }))
    await using router = testRouter(
      configFor(upstream.url, { transformer: { use: [['Anthropic', { UseBearer: true }]] } }),
    )
    await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [] }),
    })
    expect(upstream.seen[0]?.headers.authorization).toBe(`Bearer ${providerKey}`)
    expect(upstream.seen[0]?.headers['x-api-key']).toBeUndefined()
  })

  test('streams the answer as it arrives, without buffering', async () => {
    const release = Promise.withResolvers<void>()
    const first = sse([{ type: 'message_start' }])
    using upstream = fakeUpstream(
      () =>
        new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode(first))
              await release.promise
              controller.enqueue(new TextEncoder().encode(sse([{ type: 'message_stop' }])))
              controller.close()
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    )
    await using router = testRouter(configFor(upstream.url))
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: [] }),
    })
    const reader = response.body!.getReader()
    // The first event arrives while the upstream is still holding back the rest.
    const chunk = await reader.read()
    expect(new TextDecoder().decode(chunk.value)).toBe(first)
    release.resolve()
    let rest = ''
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += new TextDecoder().decode(next.value)
    expect(rest).toBe(sse([{ type: 'message_stop' }]))
  })

  test('cancels the upstream request when the client goes away', async () => {
    const held = heldStream(sse([{ type: 'message_start' }]))
    using upstream = fakeUpstream(held.response)
    await using router = testRouter(configFor(upstream.url))
    const client = new AbortController()
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: [] }),
      signal: client.signal,
    })
    await response.body!.getReader().read()
    client.abort()
    await held.cancelled
    expect(upstream.seen).toHaveLength(1)
  })

  test('works with the official SDK client, streaming and not', async () => {
    const reply = fixtureText('print-bash', '02-main-turn2-tool-result-stream.response.sse')
    using upstream = fakeUpstream((request) =>
      JSON.parse(request.body).stream === true
        ? new Response(reply, { headers: { 'content-type': 'text/event-stream' } })
        : Response.json(textMessage('plain', { input_tokens: 3, output_tokens: 1 })),
    )
    await using router = testRouter(configFor(upstream.url))
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused' })
    const streamed = await client.messages
      .stream({
        model: 'claude-opus-5-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .finalMessage()
    expect(JSON.parse(JSON.stringify(streamed.content))).toEqual([
      { type: 'text', text: 'Done. The tool returned: hello' },
    ])
    const plain = await client.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(plain.content.map((block) => (block.type === 'text' ? block.text : block.type))).toEqual(
      ['plain'],
    )
  })
})

describe('upstream errors', () => {
  test('a provider rejecting its own key is not reported as a 401 to Claude Code', async () => {
    using upstream = fakeUpstream(() =>
      Response.json(
        {
          type: 'error',
          error: { type: 'authentication_error', message: `invalid x-api-key ${providerKey}` },
        },
        { status: 401 },
      ),
    )
    await using router = testRouter(configFor(upstream.url))
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [] }),
    })
    expect(response.status).toBe(403)
    const body = await response.json()
    expect(body).toEqual({
      type: 'error',
      error: {
        type: 'permission_error',
        message:
          'Provider "anthro" rejected ccr\'s request with HTTP 401: invalid x-api-key [redacted] ' +
          '(check Providers[].api_key of "anthro" in ccr\'s config.json; this is not about Claude Code\'s own login)',
      },
    })
    expect(JSON.stringify(router.records)).not.toContain(providerKey)
  })

  test('429 keeps its status and retry-after', async () => {
    using upstream = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
        { status: 429, headers: { 'retry-after': '7' } },
      ),
    )
    await using router = testRouter(configFor(upstream.url))
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [] }),
    })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('7')
    expect(await response.json()).toEqual({
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message: 'Provider "anthro" answered HTTP 429: slow down',
      },
    })
  })

  test('an unreachable provider is a retryable 502 naming it', async () => {
    await using router = testRouter(configFor('http://127.0.0.1:9'))
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: claudeHeaders,
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [] }),
    })
    expect(response.status).toBe(502)
    const body = (await response.json()) as { error: { type: string; message: string } }
    expect(body.error.type).toBe('api_error')
    expect(body.error.message).toStartWith(
      'ccr could not reach provider "anthro" at http://127.0.0.1:9/v1/messages: ',
    )
  })
})
