import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fakeOpenAI, type ChatAnswer, type ChatRequestBody } from '../fake-openai.ts'
import { fakeUpstream, fixtureText, freePort, routerHomes } from '../helpers.ts'
import { claudeBinary, claudeThroughCcr, newWorkdir } from './claude-cli.ts'

let claude = ''
const homes = routerHomes()
beforeAll(async () => {
  claude = await claudeBinary()
}, 600_000)
afterAll(() => homes.cleanUp())

function logLines(home: string): Record<string, unknown>[] {
  return readFileSync(join(home, 'logs', 'ccr.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

describe('the real Claude Code through ccr code: routing', () => {
  test('--model provider,model lands on that provider', async () => {
    using usual = fakeOpenAI(() => ({ text: 'from the default provider' }))
    using chosen = fakeOpenAI(() => ({ text: 'from the provider you chose' }))
    const home = homes.create({
      PORT: freePort(),
      Providers: [
        { name: 'usual', api_base_url: `${usual.url}/v1/chat/completions`, models: ['u1'] },
        { name: 'chosen', api_base_url: `${chosen.url}/v1/chat/completions`, models: ['c1', 'c2'] },
      ],
      Router: { default: 'usual,u1' },
    })
    const run = await claudeThroughCcr(claude, home.home, [
      '-p',
      'Say something',
      '--model',
      'chosen,c2',
      '--output-format',
      'json',
    ])
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({
      is_error: false,
      result: 'from the provider you chose',
    })
    expect(usual.seen).toHaveLength(0)
    expect(
      chosen.seen.map((request) => [
        JSON.parse(request.body).model,
        JSON.parse(request.body).stream,
      ]),
    ).toEqual([['c2', true]])
    const route = logLines(home.home).find((line) => line.msg === 'done')
    expect(route).toMatchObject({
      slot: 'explicit',
      requested: 'chosen,c2',
      attempts: ['chosen,c2 200'],
    })
  }, 120_000)

  test('the first candidate answers 503, the fallback answers, the CLI succeeds', async () => {
    using failing = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'api_error', message: 'maintenance' } },
        { status: 503 },
      ),
    )
    const reply = fixtureText('print-write', '02-main-turn2-tool-result-stream.response.sse')
    using backup = fakeUpstream(
      () => new Response(reply, { headers: { 'content-type': 'text/event-stream' } }),
    )
    const home = homes.create({
      PORT: freePort(),
      Providers: [
        { name: 'primary', api_base_url: `${failing.url}/v1/messages`, models: ['p'] },
        { name: 'backup', api_base_url: `${backup.url}/v1/messages`, models: ['b'] },
      ],
      Router: { default: 'primary,p' },
      fallback: { default: ['backup,b'] },
    })
    const run = await claudeThroughCcr(claude, home.home, [
      '-p',
      'Say hello',
      '--output-format',
      'json',
    ])
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ is_error: false, num_turns: 1 })
    // One try at the primary per turn, then the backup; nothing failed from Claude Code's side.
    expect(failing.seen).toHaveLength(1)
    expect(backup.seen.map((request) => JSON.parse(request.body).stream)).toEqual([true])
    const done = logLines(home.home).find((line) => line.msg === 'done')
    expect(done).toMatchObject({
      provider: 'backup',
      attempts: ['primary,p 503', 'backup,b 200'],
      complete: true,
    })
  }, 120_000)

  test("Claude Code's own settings files cannot send it past the router", async () => {
    // What an older CCR, cc-switch or a person leaves behind: Claude Code applies these over
    // its environment, so without ccr's --settings every request went to the decoy.
    using decoy = fakeUpstream(() =>
      Response.json(
        { type: 'error', error: { type: 'api_error', message: 'not the router' } },
        { status: 500 },
      ),
    )
    using provider = fakeOpenAI(() => ({ text: 'through the router' }))
    const home = homes.create({
      PORT: freePort(),
      Providers: [
        { name: 'up', api_base_url: `${provider.url}/v1/chat/completions`, models: ['m'] },
      ],
      Router: { default: 'up,m' },
    })
    const claudeHome = mkdtempSync(join(tmpdir(), 'ccr-e2e-home-'))
    const workdir = newWorkdir()
    const leftBehind = JSON.stringify({
      env: {
        ANTHROPIC_BASE_URL: decoy.url,
        ANTHROPIC_API_KEY: 'sk-ant-left-in-settings',
        ANTHROPIC_AUTH_TOKEN: 'token-left-in-settings',
      },
    })
    for (const directory of [join(claudeHome, '.claude'), join(workdir, '.claude')]) {
      mkdirSync(directory)
      writeFileSync(join(directory, 'settings.json'), leftBehind)
    }
    const run = await claudeThroughCcr(
      claude,
      home.home,
      ['-p', 'Say something', '--output-format', 'json'],
      { env: { HOME: claudeHome }, workdir },
    )
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ is_error: false, result: 'through the router' })
    expect(decoy.seen).toHaveLength(0)
    expect(provider.seen).toHaveLength(1)
    expect(logLines(home.home).find((line) => line.msg === 'done')).toMatchObject({
      provider: 'up',
      status: 200,
    })
  }, 120_000)

  test("Claude Code compacts within the routed model's window, not its own", async () => {
    // A 100K model whose answers each report 90K tokens of prompt: Claude Code, which takes
    // its own model to hold 200K and more, would only summarise long after this model refused.
    using provider = fakeOpenAI((_body, index) => ({
      text: `answer ${index}`,
      usage: { prompt_tokens: 90_000, completion_tokens: 10 },
    }))
    const home = homes.create({
      PORT: freePort(),
      Providers: [
        {
          name: 'up',
          api_base_url: `${provider.url}/v1/chat/completions`,
          models: [{ id: 'm', context_window: 100_000 }],
        },
      ],
      Router: { default: 'up,m' },
    })
    const claudeHome = mkdtempSync(join(tmpdir(), 'ccr-e2e-home-'))
    const workdir = newWorkdir()
    for (const args of [
      ['-p', 'first question'],
      ['--continue', '-p', 'second question'],
      ['--continue', '-p', 'third question'],
    ]) {
      const run = await claudeThroughCcr(claude, home.home, [...args, '--output-format', 'json'], {
        env: { HOME: claudeHome },
        workdir,
      })
      expect(run.exitCode).toBe(0)
    }
    const lastMessages = provider.seen.map((request) => {
      const body = JSON.parse(request.body) as { messages: { content?: unknown }[] }
      return JSON.stringify(body.messages.at(-1)?.content ?? '')
    })
    // Claude Code's summarising request came before the third question was answered.
    const summary = lastMessages.findIndex((text) => text.includes('create a detailed summary'))
    expect(summary).toBeGreaterThan(0)
    expect(lastMessages.slice(0, summary).some((text) => text.includes('second question'))).toBe(
      true,
    )
  }, 180_000)

  test("Claude Code's web search goes to Router.webSearch, whatever /model says, or fails plainly", async () => {
    // The conversation's model calls WebSearch; Claude Code then asks the API to search.
    const conversation = (body: ChatRequestBody, index: number): ChatAnswer =>
      index === 0
        ? { toolCalls: [{ id: 'call_ws', name: 'WebSearch', arguments: '{"query":"bun 1.4"}' }] }
        : { text: `done after ${body.messages.length} messages` }
    using chat = fakeOpenAI(conversation)
    using searcher = fakeOpenAI(() => ({ text: 'Bun 1.4 came out in October (bun.sh/blog).' }))
    const providers = [
      { name: 'chat', api_base_url: `${chat.url}/v1/chat/completions`, models: ['c'] },
      { name: 'search', api_base_url: `${searcher.url}/v1/chat/completions`, models: ['s'] },
    ]
    const toolMessage = () => {
      const last = JSON.parse(chat.seen.at(-1)?.body ?? '{}') as ChatRequestBody
      return String(last.messages.find((message) => message.role === 'tool')?.content ?? '')
    }
    const args = ['-p', 'When did bun 1.4 come out?', '--output-format', 'json']
    const flags = ['--dangerously-skip-permissions', '--model', 'chat,c']

    const routed = homes.create({
      PORT: freePort(),
      Providers: providers,
      Router: { default: 'chat,c', webSearch: 'search,s' },
    })
    const first = await claudeThroughCcr(claude, routed.home, [...args, ...flags])
    expect(first.exitCode).toBe(0)
    expect(searcher.seen).toHaveLength(1)
    expect(toolMessage()).toContain('Bun 1.4 came out in October')

    chat.seen.length = 0
    const unrouted = homes.create({
      PORT: freePort(),
      Providers: providers,
      Router: { default: 'chat,c' },
    })
    const second = await claudeThroughCcr(claude, unrouted.home, [...args, ...flags])
    expect(second.exitCode).toBe(0)
    // No made-up results: the model learns the search failed, and why.
    expect(searcher.seen).toHaveLength(1)
    expect(toolMessage()).toContain('Web search is not available')
    expect(toolMessage()).toContain('set Router.webSearch')
  }, 180_000)
})
