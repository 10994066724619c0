import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  answersFunctionCalls,
  fakeResponses,
  type ResponsesAnswer,
  type ResponsesRequestBody,
} from '../fake-responses.ts'
import { freePort, routerHomes } from '../helpers.ts'
import { claudeBinary, claudeThroughCcr, newWorkdir } from './claude-cli.ts'

let claude = ''
const homes = routerHomes()
beforeAll(async () => {
  claude = await claudeBinary()
}, 600_000)
afterAll(() => homes.cleanUp())

/** The real Claude Code through `ccr code` against a fake Responses API answering `script`. */
async function run(
  prompt: string,
  script: (body: ResponsesRequestBody) => ResponsesAnswer,
  workdir?: string,
) {
  using upstream = fakeResponses(script)
  const home = homes.create({
    PORT: freePort(),
    Providers: [
      {
        name: 'codex',
        api_base_url: `${upstream.url}/v1/responses`,
        api_key: 'sk-codex-e2e',
        models: ['gpt-5-codex'],
      },
    ],
    Router: { default: 'codex,gpt-5-codex' },
  })
  const args = ['-p', prompt, '--output-format', 'json', '--dangerously-skip-permissions']
  const cli = await claudeThroughCcr(claude, home.home, args, { workdir })
  const bodies = upstream.seen.map((request) => JSON.parse(request.body) as ResponsesRequestBody)
  return { cli, result: JSON.parse(cli.stdout.trim().split('\n').at(-1) ?? '{}'), bodies }
}

/** The function-call outputs of a request, by call id. */
function outputs(body: ResponsesRequestBody | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (body?.input ?? [])
      .filter((item) => item.type === 'function_call_output')
      .map((item) => [item.call_id, item.output]),
  )
}

describe('the real Claude Code through ccr to an OpenAI Responses API provider', () => {
  test('a Write round trip, streamed both ways', async () => {
    const workdir = newWorkdir()
    const file = join(workdir, 'notes.txt')
    const { cli, result, bodies } = await run(
      'Create notes.txt containing a greeting',
      (body) =>
        answersFunctionCalls(body)
          ? { text: 'Created notes.txt.' }
          : {
              reasoning: 'A file is wanted.',
              toolCalls: [
                {
                  id: 'call_write_1',
                  name: 'Write',
                  arguments: JSON.stringify({ file_path: file, content: 'hi from codex\n' }),
                },
              ],
            },
      workdir,
    )
    expect(cli.exitCode).toBe(0)
    expect(result).toMatchObject({ is_error: false, num_turns: 2, result: 'Created notes.txt.' })
    // Claude Code falls back to non-streaming when a stream is wrong: both turns streamed.
    expect(bodies.map((body) => [body.stream, body.model])).toEqual([
      [true, 'gpt-5-codex'],
      [true, 'gpt-5-codex'],
    ])
    expect(Object.keys(outputs(bodies[1]))).toEqual(['call_write_1'])
    expect(readFileSync(file, 'utf8')).toBe('hi from codex\n')
  }, 120_000)

  test("Claude Code's WebSearch runs as OpenAI's web search, with the sources it found", async () => {
    const { cli, result, bodies } = await run('When did bun 1.4 come out?', (body) => {
      if (body.tools?.some((tool) => tool.type === 'web_search') === true)
        return {
          text: 'Bun 1.4 came out in October.',
          citations: [{ url: 'https://bun.sh/blog/bun-v1.4', title: 'Bun v1.4' }],
        }
      return answersFunctionCalls(body)
        ? { text: 'October, per bun.sh.' }
        : { toolCalls: [{ id: 'call_ws', name: 'WebSearch', arguments: '{"query":"bun 1.4"}' }] }
    })
    expect(cli.exitCode).toBe(0)
    expect(result).toMatchObject({ is_error: false, result: 'October, per bun.sh.' })
    // Three requests: the turn, the search Claude Code asked the API for, the turn after.
    expect(bodies).toHaveLength(3)
    const searched = String(outputs(bodies[2]).call_ws)
    expect(searched).toContain('Bun 1.4 came out in October.')
    expect(searched).toContain('https://bun.sh/blog/bun-v1.4')
  }, 120_000)
})
