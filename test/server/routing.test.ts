import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogger } from '../../src/observability/log.ts'
import { createRedactor } from '../../src/observability/redact.ts'
import { createCustomRouter } from '../../src/router/custom-router.ts'
import { chatCompletion, fakeOpenAI } from '../fake-openai.ts'
import {
  anthropicAnswer,
  fakeUpstream,
  fixtureBody,
  ledgerRows,
  sse,
  tempHome,
  testRouter,
  waitFor,
} from '../helpers.ts'

const ask = (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'claude-opus-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      ...body,
    }),
  })

describe('fallback', () => {
  test('a 503 before the first byte moves to the next candidate; the headers name both attempts', async () => {
    using failing = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'api_error', message: 'down for maintenance' } },
        { status: 503 },
      ),
    )
    using backup = fakeOpenAI(() => ({ text: 'from the backup' }))
    await using router = testRouter({
      Providers: [
        { name: 'first', api_base_url: `${failing.url}/v1/messages`, models: ['a'] },
        { name: 'backup', api_base_url: `${backup.url}/v1/chat/completions`, models: ['b'] },
      ],
      Router: { default: ['first,a', 'backup,b'] },
    })
    const client = new Anthropic({ baseURL: router.url, apiKey: 'unused', maxRetries: 0 })
    const { data, response } = await client.messages
      .create({
        model: 'claude-opus-5-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .withResponse()
    expect(data.content).toEqual([{ type: 'text', text: 'from the backup' }] as typeof data.content)
    expect(response.headers.get('x-ccr-provider')).toBe('backup')
    expect(response.headers.get('x-ccr-attempts')).toBe('first,a 503; backup,b 200')
    expect(failing.seen).toHaveLength(1)
    expect(backup.seen).toHaveLength(1)
    const fellBack = router.records.find((record) => record.msg === 'falling back')
    expect(fellBack?.fields).toMatchObject({ failed: 'first,a', next: 'backup,b' })
  })

  test('a candidate that failed rests: later requests go to the fallback first, for as long as retry-after says', async () => {
    using flaky = fakeUpstream((_request, index) =>
      index === 0
        ? Response.json(
            { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
            { status: 429, headers: { 'retry-after': '1' } },
          )
        : anthropicAnswer('from flaky'),
    )
    using backup = fakeUpstream(() => anthropicAnswer('from backup'))
    await using router = testRouter({
      Providers: [
        { name: 'flaky', api_base_url: `${flaky.url}/v1/messages`, models: ['a'] },
        { name: 'backup', api_base_url: `${backup.url}/v1/messages`, models: ['b'] },
      ],
      Router: { default: ['flaky,a', 'backup,b'] },
    })
    const attemptsOf = async () => (await ask(router.url, {})).headers.get('x-ccr-attempts')
    expect(await attemptsOf()).toBe('flaky,a 429; backup,b 200')
    expect(await attemptsOf()).toBe('flaky,a resting; backup,b 200')
    expect(flaky.seen).toHaveLength(1)
    await Bun.sleep(1100)
    expect(await attemptsOf()).toBe('flaky,a 200')
    expect(flaky.seen).toHaveLength(2)
    expect(backup.seen).toHaveLength(2)
  })

  test('a provider that hangs costs its timeout once, not on every request', async () => {
    using hanging = fakeUpstream(() => new Promise<Response>(() => {}))
    using backup = fakeUpstream(() => anthropicAnswer('from backup'))
    await using router = testRouter({
      API_TIMEOUT_MS: 300,
      Providers: [
        { name: 'hung', api_base_url: `${hanging.url}/v1/messages`, models: ['a'] },
        { name: 'backup', api_base_url: `${backup.url}/v1/messages`, models: ['b'] },
      ],
      Router: { default: 'hung,a' },
      fallback: { default: ['backup,b'] },
    })
    for (const expected of [
      'hung,a upstream_timeout; backup,b 200',
      'hung,a resting; backup,b 200',
      'hung,a resting; backup,b 200',
    ]) {
      const response = await ask(router.url, {})
      expect(response.status).toBe(200)
      expect(response.headers.get('x-ccr-attempts')).toBe(expected)
    }
    expect(hanging.seen).toHaveLength(1)
  })

  test('several keys are used in turn; a rate-limited key rests and the request goes on with the next', async () => {
    const keys = ['sk-first-key-111', 'sk-second-key-222', 'sk-third-key-333']
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    // The second key is over its limit; the others answer.
    using limited = fakeUpstream((request) =>
      request.headers.authorization === `Bearer ${keys[1]}`
        ? Response.json(
            { error: { message: 'rate limited', type: 'rate_limit_error' } },
            { status: 429, headers: { 'retry-after': '60' } },
          )
        : fetch(`${upstream.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: request.body,
          }),
    )
    await using router = testRouter({
      Providers: [
        {
          name: 'pool',
          api_base_url: `${limited.url}/v1/chat/completions`,
          api_key: keys,
          models: ['m'],
        },
      ],
      Router: { default: 'pool,m' },
    })
    const attempts: (string | null)[] = []
    for (let round = 0; round < 5; round++) {
      const response = await ask(router.url, {})
      expect(response.status).toBe(200)
      attempts.push(response.headers.get('x-ccr-attempts'))
    }
    expect(attempts).toEqual([
      'pool,m 200 (key 1)',
      'pool,m 429 (key 2); pool,m 200 (key 3)',
      'pool,m 200 (key 3)',
      'pool,m 200 (key 1)',
      // Its turn, but the second key rests.
      'pool,m 200 (key 3)',
    ])
    const used = limited.seen.map((request) =>
      keys.indexOf(request.headers.authorization?.slice(7) ?? ''),
    )
    expect(used).toEqual([0, 1, 2, 2, 0, 2])
    // Keys are named by position, never by value.
    expect(JSON.stringify(router.records)).not.toMatch(/sk-(first|second|third)-key/)
  })

  test('when every candidate rests they are tried in order; a lone candidate never rests', async () => {
    using down = fakeUpstream(() => Response.json({}, { status: 503 }))
    await using router = testRouter({
      Providers: [
        { name: 'one', api_base_url: `${down.url}/v1/messages`, models: ['a'] },
        { name: 'two', api_base_url: `${down.url}/v1/messages`, models: ['b'] },
        { name: 'solo', api_base_url: `${down.url}/v1/messages`, models: ['s'] },
      ],
      Router: { default: ['one,a', 'two,b'] },
    })
    for (const model of ['claude-opus-5-5', 'claude-opus-5-5', 'solo,s', 'solo,s']) {
      expect((await ask(router.url, { model })).status).toBe(503)
    }
    const attempts = ledgerRows(router.store).map((row) => JSON.parse(String(row.attempts)))
    expect(attempts).toEqual([
      ['one,a 503', 'two,b 503'],
      ['one,a 503', 'two,b 503'],
      ['solo,s 503'],
      ['solo,s 503'],
    ])
  })

  test('the fallback key of CCR v2, and one error listing every attempt when all fail', async () => {
    using busy = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
        { status: 429, headers: { 'retry-after': '9' } },
      ),
    )
    await using router = testRouter({
      Providers: [
        { name: 'one', api_base_url: `${busy.url}/v1/messages`, models: ['a'] },
        { name: 'two', api_base_url: 'http://127.0.0.1:9/v1/messages', models: ['b'] },
        { name: 'three', api_base_url: `${busy.url}/v1/messages`, models: ['c'] },
      ],
      Router: { default: 'one,a' },
      fallback: { default: ['two,b', 'three,c'] },
    })
    const response = await ask(router.url, {})
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('9')
    const body = (await response.json()) as { error: { type: string; message: string } }
    expect(body.error.type).toBe('rate_limit_error')
    expect(body.error.message).toMatch(
      /^Every route failed \(3 tried\): 1\) one,a: Provider "one" answered HTTP 429: slow down; 2\) two,b: ccr could not reach provider "two" at http:\/\/127\.0\.0\.1:9\/v1\/messages: .+; 3\) three,c: Provider "three" answered HTTP 429: slow down$/,
    )
  })

  test('a 400 is the provider refusing this request: no fallback', async () => {
    using refusing = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } },
        { status: 400 },
      ),
    )
    using backup = fakeUpstream(() => anthropicAnswer('never'))
    await using router = testRouter({
      Providers: [
        { name: 'one', api_base_url: `${refusing.url}/v1/messages`, models: ['a'] },
        { name: 'two', api_base_url: `${backup.url}/v1/messages`, models: ['b'] },
      ],
      Router: { default: ['one,a', 'two,b'] },
    })
    expect((await ask(router.url, {})).status).toBe(400)
    expect(backup.seen).toHaveLength(0)
  })

  test('a refusal as longer than the context goes to Router.longContext; without it, to the client', async () => {
    // vLLM's words, as a small local model's server says them; the estimate had not seen it.
    using small = fakeUpstream(() =>
      Response.json(
        {
          object: 'error',
          message:
            "This model's maximum context length is 32768 tokens. However, you requested 41000 tokens (40000 in the messages, 1000 in the completion).",
          type: 'BadRequestError',
          code: 400,
        },
        { status: 400 },
      ),
    )
    using large = fakeUpstream(() => anthropicAnswer('read it all'))
    const providers = [
      { name: 'local', api_base_url: `${small.url}/v1/chat/completions`, models: ['qwen-32k'] },
      { name: 'big', api_base_url: `${large.url}/v1/messages`, models: ['long'] },
    ]
    await using router = testRouter({
      Providers: providers,
      Router: { default: 'local,qwen-32k', longContext: 'big,long' },
    })
    const answered = await ask(router.url, {})
    expect(answered.status).toBe(200)
    expect(answered.headers.get('x-ccr-attempts')).toBe('local,qwen-32k 400; big,long 200')
    expect(answered.headers.get('x-ccr-model')).toBe('long')
    expect(answered.headers.get('x-ccr-slot')).toBe('longContext')
    expect(answered.headers.get('x-ccr-reason')).toBe(
      'local,qwen-32k refused it as longer than its context; it had gone there by default',
    )
    expect(ledgerRows(router.store).map((row) => [row.provider, row.status, row.slot])).toEqual([
      ['big', 200, 'longContext'],
    ])

    await using plain = testRouter({ Providers: providers, Router: { default: 'local,qwen-32k' } })
    const refused = await ask(plain.url, {})
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('maximum context length is 32768 tokens')
    expect(large.seen).toHaveLength(1)
  })
})

describe('what providers told ccr', () => {
  test('the window a provider named is learned: larger requests go to longContext at once, after a restart too', async () => {
    using local = fakeUpstream((request) =>
      request.body.length > 60_000
        ? Response.json(
            {
              object: 'error',
              message:
                "This model's maximum context length is 8192 tokens. However, you requested 15000 tokens.",
              type: 'BadRequestError',
              code: 400,
            },
            { status: 400 },
          )
        : Response.json(chatCompletion('m', { text: 'small enough' })),
    )
    using large = fakeUpstream(() => anthropicAnswer('read it all'))
    const config = {
      Providers: [
        { name: 'local', api_base_url: `${local.url}/v1/chat/completions`, models: ['m'] },
        { name: 'big', api_base_url: `${large.url}/v1/messages`, models: ['long'] },
      ],
      Router: { default: 'local,m', longContext: 'big,long' },
    }
    // ~12 000 tokens by the estimate: more than the provider holds, unknown to any catalog.
    const long = { messages: [{ role: 'user', content: 'word '.repeat(12_000) }] }
    await using router = testRouter(config)
    const first = await ask(router.url, long)
    expect(first.headers.get('x-ccr-attempts')).toBe('local,m 400; big,long 200')
    await Bun.sleep(20) // written after the request, off its path
    const second = await ask(router.url, long)
    expect(second.headers.get('x-ccr-attempts')).toBe('big,long 200')
    expect(second.headers.get('x-ccr-slot')).toBe('longContext')
    expect(second.headers.get('x-ccr-reason')).toContain('(8192, as its provider said)')
    expect((await ask(router.url, {})).headers.get('x-ccr-attempts')).toBe('local,m 200')

    await using restarted = testRouter(config, { store: router.storePath })
    expect((await ask(restarted.url, long)).headers.get('x-ccr-attempts')).toBe('big,long 200')
    expect(local.seen).toHaveLength(2)
  })
})

describe('explanation', () => {
  test('the headers and the log line say which rule decided and why', async () => {
    using upstream = fakeUpstream(() => anthropicAnswer('ok'))
    await using router = testRouter({
      Providers: [
        { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['main', 'cheap'] },
      ],
      Router: { default: 'up,main', background: 'up,cheap' },
    })
    const title = JSON.parse(
      fixtureBody('interactive-title', '02-bg-session-title-stream.request.json'),
    )
    const response = await ask(router.url, { ...title, stream: false })
    expect(response.headers.get('x-ccr-slot')).toBe('background')
    expect(response.headers.get('x-ccr-reason')).toBe(
      "background work: no tools and a JSON-schema answer, the shape of Claude Code's session titles",
    )
    expect(response.headers.get('x-ccr-model')).toBe('cheap')
    const line = router.records.find((record) => record.msg === 'route')
    expect(line?.fields).toMatchObject({
      slot: 'background',
      candidates: ['up,cheap'],
      requested: 'claude-opus-5-5',
    })
    expect(line?.fields.requestId).toBe(response.headers.get('x-request-id') ?? '')
  })

  test('a session that went long stays on the long-context route', async () => {
    using upstream = fakeUpstream((request) =>
      anthropicAnswer('ok', JSON.parse(request.body).model === 'main' ? 70000 : 80000),
    )
    await using router = testRouter({
      Providers: [
        { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['main', 'wide'] },
      ],
      Router: { default: 'up,main', longContext: 'up,wide', longContextThreshold: 60000 },
    })
    const session = { 'x-claude-code-session-id': 'session-42' }
    const first = await ask(router.url, {}, session)
    await first.json()
    expect(first.headers.get('x-ccr-slot')).toBe('default')
    // The provider reported 70000 input tokens for the first turn: the session is long now.
    await waitFor(
      () => router.records.find((record) => record.msg === 'done'),
      'the first response to finish',
    )
    const second = await ask(router.url, {}, session)
    expect(second.headers.get('x-ccr-slot')).toBe('longContext')
    expect(second.headers.get('x-ccr-reason')).toBe(
      'this session already used 70000 input tokens, above 60000',
    )
    expect(
      (await ask(router.url, {}, { 'x-claude-code-session-id': 'another' })).headers.get(
        'x-ccr-slot',
      ),
    ).toBe('default')
  })

  test('a subagent tag routes the request and never reaches the provider', async () => {
    using upstream = fakeUpstream(
      () =>
        new Response(sse([{ type: 'message_stop' }]), {
          headers: { 'content-type': 'text/event-stream' },
        }),
    )
    await using router = testRouter({
      Providers: [
        { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['main', 'reviewer'] },
      ],
      Router: { default: 'up,main' },
    })
    const response = await ask(router.url, {
      system: [
        {
          type: 'text',
          text: 'You review code.\n<CCR-SUBAGENT-MODEL>up,reviewer</CCR-SUBAGENT-MODEL>\nBe terse.',
        },
      ],
      stream: true,
    })
    await response.text()
    expect(response.headers.get('x-ccr-slot')).toBe('subagent')
    const sent = JSON.parse(upstream.seen[0]?.body ?? '')
    expect(sent.model).toBe('reviewer')
    expect(sent.system).toEqual([{ type: 'text', text: 'You review code.\nBe terse.' }])
  })

  test('a web search with no model to run it: refused for OpenAI providers, passed to Anthropic ones', async () => {
    using anthropic = fakeUpstream(() => anthropicAnswer('searched'))
    using openai = fakeOpenAI(() => ({ text: 'from memory' }))
    const search = {
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 8 }],
      messages: [{ role: 'user', content: 'Perform a web search for the query: bun' }],
    }
    const providers = [
      { name: 'ant', api_base_url: `${anthropic.url}/v1/messages`, models: ['a'] },
      { name: 'oai', api_base_url: `${openai.url}/v1/chat/completions`, models: ['o'] },
    ]
    await using toOpenAI = testRouter({ Providers: providers, Router: { default: 'oai,o' } })
    const refused = await ask(toOpenAI.url, search)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining(
          'Web search is not available: ccr would send it to "oai,o"',
        ),
      },
    })
    expect(openai.seen).toHaveLength(0)
    // The same request in a conversation's turn, as a client tool, is an ordinary request.
    const asTool = await ask(toOpenAI.url, {
      tools: [{ name: 'WebSearch', input_schema: { type: 'object' } }],
    })
    expect(asTool.status).toBe(200)

    await using toAnthropic = testRouter({ Providers: providers, Router: { default: 'ant,a' } })
    const passed = await ask(toAnthropic.url, search)
    expect(passed.status).toBe(200)
    expect(JSON.parse(anthropic.seen[0]?.body ?? '{}').tools).toEqual(search.tools)

    // An OpenAI-protocol fallback is left out of a search, not only the first choice.
    using down = fakeUpstream(() => Response.json({}, { status: 503 }))
    await using withFallback = testRouter({
      Providers: [
        { name: 'ant', api_base_url: `${down.url}/v1/messages`, models: ['a'] },
        ...providers.slice(1),
      ],
      Router: { default: ['ant,a', 'oai,o'] },
    })
    const before = openai.seen.length
    expect((await ask(withFallback.url, search)).status).toBe(503)
    expect(down.seen).toHaveLength(1)
    expect(openai.seen).toHaveLength(before)
    // The conversation's own turns still have their fallback.
    expect((await ask(withFallback.url, {})).status).toBe(200)
    expect(openai.seen).toHaveLength(before + 1)
  })

  test("a subagent's tag wins over the session's explicit model it inherits", async () => {
    using upstream = fakeUpstream(() => anthropicAnswer('ok'))
    await using router = testRouter({
      Providers: [
        { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['main', 'reviewer'] },
      ],
      Router: { default: 'up,main' },
    })
    // After `/model up,main` a subagent with `model: inherit` sends that name, tag and all.
    const tagged = await ask(router.url, {
      model: 'up,main',
      system: [{ type: 'text', text: '<CCR-SUBAGENT-MODEL>up,reviewer</CCR-SUBAGENT-MODEL>' }],
    })
    expect(tagged.status).toBe(200)
    expect(tagged.headers.get('x-ccr-slot')).toBe('subagent')
    // The main conversation, without a tag, keeps the model it chose.
    const main = await ask(router.url, { model: 'up,main' })
    expect(main.headers.get('x-ccr-slot')).toBe('explicit')
    expect(upstream.seen.map((request) => JSON.parse(request.body).model)).toEqual([
      'reviewer',
      'main',
    ])
  })

  test('a tag is found again when its system prompt or first message comes back (remembered, searched once)', async () => {
    using upstream = fakeUpstream(() => anthropicAnswer('ok'))
    await using router = testRouter({
      Providers: [
        { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['main', 'reviewer'] },
      ],
      Router: { default: 'up,main' },
    })
    const tagged = 'You review code.\n<CCR-SUBAGENT-MODEL>up,reviewer</CCR-SUBAGENT-MODEL>\n'
    const plain = [{ type: 'text', text: 'You write code.' }]
    const firstTurn = { role: 'user', content: [{ type: 'text', text: `${tagged}Review a.ts` }] }
    const conversation = [
      firstTurn,
      { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
      { role: 'user', content: [{ type: 'text', text: 'And b.ts' }] },
    ]
    const asks = [
      { system: [{ type: 'text', text: tagged }], expected: 'reviewer' },
      { system: [{ type: 'text', text: tagged }], expected: 'reviewer' },
      { system: plain, expected: 'main' },
      { system: plain, messages: [firstTurn], expected: 'reviewer' },
      // The first message is now the remembered one of the conversation above.
      { system: plain, messages: conversation, expected: 'reviewer' },
      { system: plain, expected: 'main' },
    ]
    for (const { expected, ...body } of asks) {
      const response = await ask(router.url, body)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-ccr-model')).toBe(expected)
    }
    const sent = upstream.seen.map((request) => JSON.parse(request.body))
    expect(sent.map((body) => body.model)).toEqual(asks.map(({ expected }) => expected))
    expect(sent[1].system).toEqual([{ type: 'text', text: 'You review code.\n' }])
    expect(sent[4].messages[0].content).toEqual([
      { type: 'text', text: 'You review code.\nReview a.ts' },
    ])
  })
})

describe('model ids', () => {
  test('a model named like an object property is routed like any other', async () => {
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    await using router = testRouter({
      Providers: [{ name: 'up', api_base_url: upstream.url, models: ['main'] }],
      Router: { default: 'up,main' },
    })
    for (const model of ['constructor', '__proto__', 'toString']) {
      const response = await ask(router.url, { model: `up,${model}` })
      expect(response.status).toBe(200)
      expect(response.headers.get('x-ccr-model')).toBe(model)
    }
    expect(upstream.seen.map((request) => JSON.parse(request.body).model)).toEqual([
      'constructor',
      '__proto__',
      'toString',
    ])
  })
})

describe('per-project routing', () => {
  test('<project>/.claude-code-router/config.json overrides Router for requests naming the project', async () => {
    using upstream = fakeUpstream(() => anthropicAnswer('ok'))
    using project = tempHome()
    await using router = testRouter({
      Providers: [
        { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['global', 'local'] },
      ],
      Router: { default: 'up,global' },
    })
    mkdirSync(join(project.home, '.claude-code-router'))
    writeFileSync(
      join(project.home, '.claude-code-router', 'config.json'),
      '{ // this repo uses the local model\n Router: { default: "up,local" } }',
    )
    expect(
      (await ask(router.url, {}, { 'x-ccr-project': project.home })).headers.get('x-ccr-model'),
    ).toBe('local')
    expect((await ask(router.url, {})).headers.get('x-ccr-model')).toBe('global')
    expect(
      (await ask(router.url, {}, { 'x-ccr-project': '/no/such/project' })).headers.get(
        'x-ccr-model',
      ),
    ).toBe('global')
    // An invalid project file is reported and ignored.
    writeFileSync(
      join(project.home, '.claude-code-router', 'config.json'),
      '{ Router: { default: 42 } }',
    )
    expect(
      (await ask(router.url, {}, { 'x-ccr-project': project.home })).headers.get('x-ccr-model'),
    ).toBe('global')
    expect(
      router.records.some((record) => record.level === 'warn' && record.msg.includes('not used')),
    ).toBe(true)
  })
})

describe('custom router', () => {
  test('decides when it answers; a broken one never takes the server down', async () => {
    using upstream = fakeUpstream(() => anthropicAnswer('ok'))
    using home = tempHome()
    const file = join(home.home, 'custom-router.js')
    writeFileSync(
      file,
      'module.exports = async function (req) { return req.tokenCount > 5 ? "up,custom" : null }\n',
    )
    const records: { msg: string }[] = []
    const log = createLogger({
      level: () => 'info',
      sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
      redactor: createRedactor(),
    })
    const customRouter = createCustomRouter({
      path: file,
      log,
      timeoutMs: 200,
    })
    await customRouter.ready()
    await using router = testRouter(
      {
        Providers: [
          { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['main', 'custom'] },
        ],
        Router: { default: 'up,main' },
      },
      { customRouter },
    )
    const long = {
      messages: [
        { role: 'user', content: 'a question long enough to count for more than five tokens' },
      ],
    }
    expect((await ask(router.url, long)).headers.get('x-ccr-slot')).toBe('custom')
    expect(
      (await ask(router.url, { messages: [{ role: 'user', content: 'hi' }] })).headers.get(
        'x-ccr-slot',
      ),
    ).toBe('default')

    const before = customRouter.version
    writeFileSync(file, 'module.exports = function () { throw new Error("router bug") }\n')
    await waitFor(() => (customRouter.version !== before ? true : undefined), 'the reload')
    for (let round = 0; round < 3; round++) {
      const response = await ask(router.url, long)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-ccr-slot')).toBe('default')
    }
    expect(
      records.filter(
        (record) =>
          record.msg.includes('router bug') || JSON.stringify(record).includes('router bug'),
      ),
    ).toHaveLength(1)

    writeFileSync(file, 'module.exports = function ( {\n')
    await customRouter.ready()
    expect((await ask(router.url, long)).status).toBe(200)
    customRouter.close()
  })
})

describe('outbound proxy', () => {
  test('PROXY_URL carries calls to providers; a provider may have its own proxy, or none', async () => {
    // Forwarding proxies as Bun's fetch uses them: the request line holds the target's URL.
    const forwarding = () => {
      const seen: string[] = []
      const server = Bun.serve({
        hostname: '127.0.0.1',
        port: 0,
        async fetch(request) {
          seen.push(request.url)
          const answer = await fetch(request.url, {
            method: request.method,
            headers: request.headers,
            body: await request.arrayBuffer(),
          })
          return new Response(answer.body, { status: answer.status, headers: answer.headers })
        },
      })
      return {
        url: `http://127.0.0.1:${server.port}`,
        seen,
        [Symbol.dispose]: () => server.stop(true),
      }
    }
    using global = forwarding()
    using own = forwarding()
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    const endpoint = `${upstream.url}/v1/chat/completions`
    await using router = testRouter({
      PROXY_URL: global.url,
      Providers: [
        { name: 'usual', api_base_url: endpoint, models: ['m'] },
        { name: 'local', api_base_url: endpoint, models: ['m'], proxy: '' },
        { name: 'elsewhere', api_base_url: endpoint, models: ['m'], proxy: own.url },
      ],
      Router: { default: 'usual,m' },
    })
    for (const model of ['usual,m', 'local,m', 'elsewhere,m']) {
      expect((await ask(router.url, { model })).status).toBe(200)
    }
    expect(global.seen).toEqual([endpoint])
    expect(own.seen).toEqual([endpoint])
    expect(upstream.seen).toHaveLength(3)
  })
})
