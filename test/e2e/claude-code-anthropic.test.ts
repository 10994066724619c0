import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { fakeUpstream, fixtureText, freePort, routerHomes } from '../helpers.ts'
import { claudeBinary, claudeThroughCcr } from './claude-cli.ts'

let claude = ''
const homes = routerHomes()
beforeAll(async () => {
  claude = await claudeBinary()
}, 600_000)
afterAll(() => homes.cleanUp())

describe('the real Claude Code through ccr code', () => {
  test('a Bash tool round trip against an Anthropic-protocol provider', async () => {
    const firstTurn = fixtureText('print-bash', '01-main-turn1-stream.response.sse')
    const secondTurn = fixtureText('print-bash', '02-main-turn2-tool-result-stream.response.sse')
    using upstream = fakeUpstream((request) => {
      const body = JSON.parse(request.body) as { messages: { content: unknown }[] }
      const answer = JSON.stringify(body.messages.at(-1)?.content).includes('tool_result')
        ? secondTurn
        : firstTurn
      return new Response(answer, { headers: { 'content-type': 'text/event-stream' } })
    })
    const ccrHome = homes.create({
      PORT: freePort(),
      Providers: [
        {
          name: 'anthropic-like',
          api_base_url: `${upstream.url}/anthropic`,
          api_key: 'provider-key-e2e',
          models: ['served-model'],
        },
      ],
      Router: { default: 'anthropic-like,served-model' },
    })

    const run = await claudeThroughCcr(claude, ccrHome.home, [
      '-p',
      'Run echo hello using the Bash tool',
      '--output-format',
      'json',
      '--dangerously-skip-permissions',
    ])
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({
      type: 'result',
      is_error: false,
      num_turns: 2,
      result: 'Done. The tool returned: hello',
    })

    // Exactly two requests, both streamed: a broken SSE would have made the CLI fall back.
    expect(upstream.seen).toHaveLength(2)
    const bodies = upstream.seen.map((request) => JSON.parse(request.body))
    expect(bodies.map((body) => [body.stream, body.model])).toEqual([
      [true, 'served-model'],
      [true, 'served-model'],
    ])
    for (const request of upstream.seen) {
      expect(request.path).toBe('/anthropic/v1/messages')
      expect(request.headers['x-api-key']).toBe('provider-key-e2e')
      expect(request.headers['anthropic-version']).toBe('2023-06-01')
      expect(request.headers['anthropic-beta']).toContain('claude-code-20250219')
      expect(JSON.stringify(request)).not.toContain('sk-ant-shell-key-must-not-travel')
    }
    // The CLI really ran the command and sent its output back.
    const toolResult = bodies[1].messages
      .at(-1)
      .content.find((block: { type: string }) => block.type === 'tool_result')
    expect(toolResult).toMatchObject({
      tool_use_id: 'toolu_mock000000000001',
      content: 'hello',
      is_error: false,
    })
  }, 120_000)
})
