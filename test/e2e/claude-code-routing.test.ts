import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fakeOpenAI } from '../fake-openai.ts'
import { fakeUpstream, fixtureText, freePort, routerHomes } from '../helpers.ts'
import { claudeBinary, claudeThroughCcr } from './claude-cli.ts'

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
})
