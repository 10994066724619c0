import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { builtinPlugins } from '../../src/plugins/builtins.ts'
import { createPlugins, type Plugins } from '../../src/plugins/plugins.ts'
import { createLogger, type LogRecord } from '../../src/observability/log.ts'
import { createRedactor } from '../../src/observability/redact.ts'
import { chatCompletion, chatSse } from '../fake-openai.ts'
import {
  anthropicAnswer,
  fakeUpstream,
  ledgerRows,
  tempHome,
  testRouter,
  waitFor,
  type SeenRequest,
} from '../helpers.ts'

/** A CCR custom transformer as CCR users wrote them: CommonJS, a class, options, `this.logger`. */
const ccrTransformer = `
class Stamp {
  constructor(options) {
    this.name = 'stamp'
    this.options = options
  }
  async transformRequestIn(request, provider, context) {
    this.logger.info({ provider: provider.name }, 'stamping')
    return {
      body: { ...request, stamp: this.options.stamp, seen_key: provider.apiKey.slice(0, 3) },
      config: { headers: { 'x-stamp': this.options.stamp + '-' + context.model } },
    }
  }
  async transformResponseOut(response) {
    if (response.headers.get('content-type').includes('text/event-stream')) {
      const upper = new TransformStream({
        transform(chunk, controller) {
          controller.enqueue(new TextEncoder().encode(new TextDecoder().decode(chunk).replace(/hello/g, 'HELLO')))
        },
      })
      return new Response(response.body.pipeThrough(upper), response)
    }
    const json = await response.json()
    json.choices[0].message.content = json.choices[0].message.content.toUpperCase()
    return new Response(JSON.stringify(json), { status: response.status, headers: response.headers })
  }
}
module.exports = Stamp
`

function openAIProvider(url: string, transformer?: unknown) {
  return {
    name: 'oai',
    api_base_url: `${url}/v1/chat/completions`,
    api_key: 'sk-oai-secret',
    models: ['gpt-test', 'gpt-small'],
    ...(transformer === undefined ? {} : { transformer }),
  }
}

/** Answers chat completions, streamed or not, with `text`. */
function fakeChat(text: string) {
  return fakeUpstream((request: SeenRequest) => {
    const body = JSON.parse(request.body) as { model: string; stream?: boolean }
    return body.stream === true
      ? new Response(chatSse(body.model, { text }), {
          headers: { 'content-type': 'text/event-stream' },
        })
      : Response.json(chatCompletion(body.model, { text }))
  })
}

interface Fixture extends AsyncDisposable {
  plugins: Plugins
  records: LogRecord[]
  home: string
  directory: string
}

/**
 * Plugins over a temporary ccr home holding `files` (paths from the home), synced with `config`,
 * loaded before it returns.
 */
async function pluginsFor(
  config: {
    transformers?: { path: string; options?: Record<string, unknown> }[]
    Providers: unknown[]
  },
  files: Record<string, string> = {},
): Promise<Fixture> {
  const home = tempHome()
  const directory = join(home.home, 'plugins')
  mkdirSync(directory, { recursive: true })
  for (const [name, source] of Object.entries(files)) {
    mkdirSync(dirname(join(home.home, name)), { recursive: true })
    writeFileSync(join(home.home, name), source)
  }
  const records: LogRecord[] = []
  const log = createLogger({
    level: () => 'debug',
    sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
    redactor: createRedactor([]),
  })
  const plugins = createPlugins({
    directory,
    home: home.home,
    log,
    builtins: builtinPlugins(),
    debounceMs: 20,
  })
  plugins.sync(config as Parameters<Plugins['sync']>[0])
  await plugins.ready()
  return {
    plugins,
    records,
    home: home.home,
    directory,
    [Symbol.asyncDispose]: async () => {
      plugins.close()
      home[Symbol.dispose]()
    },
  }
}

function client(url: string) {
  return new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 })
}

const ask = {
  model: 'claude-opus-5-5',
  max_tokens: 1000,
  messages: [{ role: 'user' as const, content: 'hi' }],
}

describe('plugins', () => {
  test("a CCR custom transformer runs unchanged: its options, body, headers and the provider's answer", async () => {
    using upstream = fakeChat('hello there')
    const config = {
      Providers: [openAIProvider(upstream.url, { use: ['stamp'] })],
      Router: { default: 'oai,gpt-test' },
    }
    // A relative path is taken from the ccr home, as CCR did.
    await using fixture = await pluginsFor(
      { ...config, transformers: [{ path: 'custom/stamp.js', options: { stamp: 'v1' } }] },
      { 'custom/stamp.js': ccrTransformer },
    )
    await using router = testRouter(config, { plugins: fixture.plugins })

    const message = await client(router.url).messages.create(ask)
    expect(message.content).toMatchObject([{ type: 'text', text: 'HELLO THERE' }])
    const seen = upstream.seen[0]
    const body = JSON.parse(seen?.body ?? '{}') as Record<string, unknown>
    expect(body).toMatchObject({ model: 'gpt-test', stamp: 'v1', seen_key: 'sk-' })
    expect(seen?.headers['x-stamp']).toBe('v1-gpt-test')
    expect(fixture.records).toContainEqual(
      expect.objectContaining({ msg: 'stamping', fields: { plugin: 'stamp', provider: 'oai' } }),
    )

    const stream = client(router.url).messages.stream(ask)
    expect(await stream.finalText()).toBe('HELLO there')
    expect(ledgerRows(router.store).map((row) => row.status)).toEqual([200, 200])
  })

  test('a model chain runs after the provider chain, with per-use options, built-ins included', async () => {
    using upstream = fakeChat('ok')
    const config = {
      Providers: [
        openAIProvider(upstream.url, {
          use: [['customparams', { chat_template_kwargs: { thinking: true }, max_tokens: 1 }]],
          'gpt-small': { use: [['maxtoken', { max_tokens: 300 }], 'sampling'] },
        }),
      ],
      Router: { default: 'oai,gpt-test' },
    }
    await using fixture = await pluginsFor(config)
    await using router = testRouter(config, { plugins: fixture.plugins })

    await client(router.url).messages.create(ask)
    await client(router.url).messages.create({ ...ask, model: 'oai,gpt-small' })
    const bodies = upstream.seen.map((seen) => JSON.parse(seen.body) as Record<string, unknown>)
    // customparams never overwrites: max_tokens stays the request's.
    expect(bodies[0]).toMatchObject({ chat_template_kwargs: { thinking: true }, max_tokens: 1000 })
    expect(bodies[1]).toMatchObject({ chat_template_kwargs: { thinking: true }, max_tokens: 300 })
  })

  test("an Anthropic provider's plugin sees the Messages body", async () => {
    using upstream = fakeUpstream(() => anthropicAnswer('fine'))
    const config = {
      Providers: [
        {
          name: 'claude',
          api_base_url: `${upstream.url}/v1/messages`,
          api_key: 'sk-ant-secret',
          models: ['claude-test'],
          transformer: { use: ['Anthropic', ['sampling', { temperature: 0.25 }]] },
        },
      ],
      Router: { default: 'claude,claude-test' },
    }
    await using fixture = await pluginsFor(config)
    await using router = testRouter(config, { plugins: fixture.plugins })
    const message = await client(router.url).messages.create(ask)
    expect(message.content[0]).toMatchObject({ text: 'fine' })
    expect(JSON.parse(upstream.seen[0]?.body ?? '{}')).toMatchObject({
      model: 'claude-test',
      temperature: 0.25,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(upstream.seen[0]?.headers['x-api-key']).toBe('sk-ant-secret')
  })

  test('a plugin in the folder is loaded, reloaded when edited, kept when an edit breaks it, dropped when deleted', async () => {
    using upstream = fakeChat('ok')
    // The plugin adds a helper's number to its own: a reload takes in the edited helper too.
    const version = (value: number) =>
      "import { base } from './lib/base.ts'\n" +
      `export default { name: 'tag', transformRequestIn: (body) => ({ ...body, tag: base + ${value} }) }\n`
    const config = {
      Providers: [openAIProvider(upstream.url, { use: ['tag'] })],
      Router: { default: 'oai,gpt-test' },
    }
    await using fixture = await pluginsFor(config, {
      'plugins/lib/base.ts': 'export const base = 0\n',
      'plugins/tag.ts': version(1),
    })
    await using router = testRouter(config, { plugins: fixture.plugins })
    const tagOfNext = async () => {
      await client(router.url).messages.create(ask)
      return (JSON.parse(upstream.seen.at(-1)?.body ?? '{}') as { tag?: number }).tag
    }
    /** Replaces the file as editors do: written elsewhere, renamed over it. */
    const save = (source: string) => {
      writeFileSync(join(fixture.directory, '.tag.ts.tmp'), source)
      renameSync(join(fixture.directory, '.tag.ts.tmp'), join(fixture.directory, 'tag.ts'))
    }
    expect(await tagOfNext()).toBe(1)

    writeFileSync(join(fixture.directory, 'lib', 'base.ts'), 'export const base = 10\n')
    save(version(2))
    await waitFor(async () => ((await tagOfNext()) === 12 ? true : undefined), 'the edit to apply')

    save('export default { name: "tag", transformRequestIn(body) { return { ...body, tag: 3 }\n')
    await waitFor(
      () =>
        fixture.records.find(
          (record) => record.msg === 'plugin not reloaded; the last good version stays in use',
        ),
      'the broken edit to be reported',
    )
    expect(await tagOfNext()).toBe(12)

    rmSync(join(fixture.directory, 'tag.ts'))
    await waitFor(
      () => fixture.records.find((record) => record.msg === 'plugin removed'),
      'the removal',
    )
    expect(await tagOfNext()).toBeUndefined()
  })

  test('a failing plugin answers with an Anthropic error naming it, is not retried, and the request is recorded', async () => {
    using upstream = fakeChat('ok')
    const config = {
      Providers: [
        openAIProvider(upstream.url, { use: ['broken'] }),
        { ...openAIProvider(upstream.url, { use: ['unloadable'] }), name: 'other' },
      ],
      Router: { default: 'oai,gpt-test' },
    }
    await using fixture = await pluginsFor(config, {
      'plugins/broken.js': `module.exports = { name: 'broken', transformRequestIn() { throw new Error('no way') } }`,
      'plugins/unloadable.mjs': 'export default {',
    })
    await using router = testRouter(config, { plugins: fixture.plugins })

    const post = (model: string) =>
      fetch(`${router.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ ...ask, model }),
      })
    const failed = await post('claude-sonnet-4-5')
    expect(failed.status).toBe(500)
    expect(failed.headers.get('x-should-retry')).toBe('false')
    expect(await failed.json()).toEqual({
      type: 'error',
      error: {
        type: 'api_error',
        message:
          'plugin "broken" failed in transformRequestIn: no way (fix the plugin; ccr loads it again when its file changes)',
      },
    })
    const unloaded = await post('other,gpt-test')
    expect(unloaded.status).toBe(500)
    expect(((await unloaded.json()) as { error: { message: string } }).error.message).toStartWith(
      'plugin "unloadable" is not loaded: ',
    )
    expect(upstream.seen).toHaveLength(0)
    expect(ledgerRows(router.store).map((row) => [row.status, row.error_type])).toEqual([
      [500, 'plugin_failed'],
      [500, 'plugin_failed'],
    ])

    // Anthropic's SDK, as Claude Code uses it, takes the header's word and asks once.
    const sdk = new Anthropic({ baseURL: router.url, apiKey: 'unused', maxRetries: 3 })
    const error = await sdk.messages.create(ask).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(Anthropic.InternalServerError)
    expect(
      (error as InstanceType<typeof Anthropic.InternalServerError>).headers.get('x-should-retry'),
    ).toBe('false')
    expect(ledgerRows(router.store)).toHaveLength(3)
  })

  test('a hook that never answers fails its request within API_TIMEOUT_MS', async () => {
    using upstream = fakeChat('ok')
    const config = {
      API_TIMEOUT_MS: 300,
      Providers: [openAIProvider(upstream.url, { use: ['stuck'] })],
      Router: { default: 'oai,gpt-test' },
    }
    await using fixture = await pluginsFor(config, {
      'plugins/stuck.js': `module.exports = { name: 'stuck', transformRequestIn: () => new Promise(() => {}) }`,
    })
    await using router = testRouter(config, { plugins: fixture.plugins })
    const error = await client(router.url)
      .messages.create(ask)
      .catch((thrown: unknown) => thrown)
    expect(String(error)).toContain(
      'plugin \\"stuck\\" failed in transformRequestIn: no answer within 300 ms',
    )
    expect(upstream.seen).toHaveLength(0)
  })

  test('names no plugin has are reported once when loaded, with what ccr does instead when it does', async () => {
    const config = {
      Providers: [
        {
          name: 'deepseek',
          api_base_url: 'https://api.deepseek.com/chat/completions',
          models: ['deepseek-chat'],
          transformer: { use: ['deepseek', 'tooluse'], 'deepseek-chat': { use: ['tooluse'] } },
        },
      ],
    }
    await using fixture = await pluginsFor(config)
    expect(
      fixture.records.filter((record) => record.level === 'warn').map((record) => record.msg),
    ).toEqual([
      `Providers[0].transformer: "deepseek" is not applied: ccr reads DeepSeek's reasoning_content as thinking without it`,
      `Providers[0].transformer: "tooluse" is not applied: no plugin of that name is loaded (add one to ${fixture.directory}, or list it in transformers)`,
    ])
    expect(
      fixture.plugins
        .list()
        .map((plugin) => plugin.name)
        .sort(),
    ).toEqual(['customparams', 'maxcompletiontokens', 'maxtoken', 'openrouter', 'sampling'])
  })
})
