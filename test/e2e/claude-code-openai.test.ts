import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { answersTools, fakeOpenAI, type ChatAnswer, type ChatRequestBody } from '../fake-openai.ts'
import { freePort, routerHomes } from '../helpers.ts'
import { claudeBinary, claudeThroughCcr, newWorkdir } from './claude-cli.ts'

let claude = ''
const homes = routerHomes()
beforeAll(async () => {
  claude = await claudeBinary()
}, 600_000)
afterAll(() => homes.cleanUp())

/**
 * Runs the real Claude Code through `ccr code` against a fake OpenAI-compatible provider that
 * answers with `script`, and returns the CLI's JSON result and what the provider received.
 */
async function run(
  prompt: string,
  script: (body: ChatRequestBody, index: number) => ChatAnswer,
  options: { provider?: Record<string, unknown>; workdir?: string; streamJson?: boolean } = {},
) {
  const upstream = fakeOpenAI(script)
  const home = homes.create({
    PORT: freePort(),
    Providers: [
      {
        name: 'oai',
        api_base_url: `${upstream.url}/v1/chat/completions`,
        api_key: 'sk-oai-e2e',
        models: ['gpt-e2e'],
        ...options.provider,
      },
    ],
    Router: { default: 'oai,gpt-e2e' },
  })
  try {
    const format = options.streamJson === true ? ['stream-json', '--verbose'] : ['json']
    const args = ['-p', prompt, '--output-format', ...format, '--dangerously-skip-permissions']
    const cli = await claudeThroughCcr(claude, home.home, args, { workdir: options.workdir })
    const bodies = upstream.seen.map((request) => JSON.parse(request.body) as ChatRequestBody)
    // stream-json prints one JSON object per line, the result last.
    const lines = cli.stdout
      .trim()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
    return { cli, result: lines.at(-1), lines, bodies, upstream }
  } finally {
    upstream[Symbol.dispose]()
  }
}

/** The tool messages of the last request, by call id. */
function toolResults(body: ChatRequestBody | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (body?.messages ?? [])
      .filter((message) => message.role === 'tool')
      .map((message) => [message.tool_call_id, message.content]),
  )
}

/** Every request streamed: the CLI silently falls back to non-streaming when the SSE is wrong. */
function expectAllStreamed(bodies: ChatRequestBody[], count: number) {
  expect(bodies.map((body) => [body.stream, body.model])).toEqual(
    Array(count).fill([true, 'gpt-e2e']),
  )
}

describe('the real Claude Code through ccr to an OpenAI-compatible provider', () => {
  test('a Bash round trip', async () => {
    const { cli, result, bodies } = await run('Run echo hello using the Bash tool', (body) =>
      answersTools(body)
        ? { text: `The command printed: ${String(toolResults(body).call_bash_1).trim()}` }
        : {
            text: "I'll run it.",
            toolCalls: [
              {
                id: 'call_bash_1',
                name: 'Bash',
                arguments: '{"command":"echo hello","description":"Print hello"}',
              },
            ],
          },
    )
    expect(cli.exitCode).toBe(0)
    expect(result).toMatchObject({
      is_error: false,
      num_turns: 2,
      result: 'The command printed: hello',
    })
    expectAllStreamed(bodies, 2)
    expect(toolResults(bodies[1])).toEqual({ call_bash_1: 'hello' })
  }, 120_000)

  test('a Write that creates the file', async () => {
    const workdir = newWorkdir()
    const file = join(workdir, 'notes.txt')
    const { cli, result, bodies } = await run(
      'Create notes.txt containing a greeting',
      (body) =>
        answersTools(body)
          ? { text: 'Created notes.txt.' }
          : {
              toolCalls: [
                {
                  id: 'call_write_1',
                  name: 'Write',
                  arguments: JSON.stringify({ file_path: file, content: 'hi from ccr\n' }),
                },
              ],
            },
      { workdir },
    )
    expect(cli.exitCode).toBe(0)
    expect(result).toMatchObject({ is_error: false, num_turns: 2, result: 'Created notes.txt.' })
    expectAllStreamed(bodies, 2)
    expect(Object.keys(toolResults(bodies[1]))).toEqual(['call_write_1'])
    expect(readFileSync(file, 'utf8')).toBe('hi from ccr\n')
  }, 120_000)

  test("a reasoning model's thinking", async () => {
    const { cli, result, lines, bodies } = await run(
      'What is 6 times 7?',
      () => ({
        reasoning: 'Six sevens: 7+7+7+7+7+7 = 42.',
        text: 'The answer is 42.',
        usage: { prompt_tokens: 3000, completion_tokens: 40 },
      }),
      {
        provider: { models: [{ id: 'gpt-e2e', reasoning: 'reasoning_effort' }] },
        streamJson: true,
      },
    )
    expect(cli.exitCode).toBe(0)
    // The CLI received the reasoning as a thinking block, before the answer.
    const blocks = lines
      .filter((line) => line.type === 'assistant')
      .flatMap((line) => line.message.content)
    expect(blocks.map((block: { type: string }) => block.type)).toEqual(['thinking', 'text'])
    expect(blocks[0]).toMatchObject({ type: 'thinking', thinking: 'Six sevens: 7+7+7+7+7+7 = 42.' })
    expect(result).toMatchObject({ is_error: false, num_turns: 1, result: 'The answer is 42.' })
    expect(result.usage).toMatchObject({ input_tokens: 3000, output_tokens: 40 })
    expectAllStreamed(bodies, 1)
    // Claude Code asks for adaptive thinking; the model gets its reasoning control.
    expect(bodies[0]?.reasoning_effort).toBeString()
  }, 120_000)

  test('two parallel tool calls', async () => {
    const { cli, result, bodies } = await run('Run echo one and echo two, in parallel', (body) =>
      answersTools(body)
        ? {
            text: `Got ${Object.values(toolResults(body))
              .map((value) => String(value).trim())
              .join(' and ')}.`,
          }
        : {
            toolCalls: [
              {
                id: 'call_a',
                name: 'Bash',
                arguments: '{"command":"echo one","description":"First"}',
              },
              {
                id: 'call_b',
                name: 'Bash',
                arguments: '{"command":"echo two","description":"Second"}',
              },
            ],
          },
    )
    expect(cli.exitCode).toBe(0)
    // Claude Code 2.1.332 counts this as three turns; the provider saw two requests.
    expect(result).toMatchObject({ is_error: false, result: 'Got one and two.' })
    expectAllStreamed(bodies, 2)
    expect(toolResults(bodies[1])).toEqual({ call_a: 'one', call_b: 'two' })
    const assistant = bodies[1]?.messages.find((message) => message.role === 'assistant')
    expect(assistant?.tool_calls).toHaveLength(2)
  }, 120_000)

  test('an upstream 429, then success', async () => {
    const { cli, result, bodies } = await run('Say hello', (_body, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '1' } }
        : { text: 'Hello after the retry.' },
    )
    expect(cli.exitCode).toBe(0)
    expect(result).toMatchObject({
      is_error: false,
      num_turns: 1,
      result: 'Hello after the retry.',
    })
    expectAllStreamed(bodies, 2)
    // The retry carried the same conversation.
    expect(bodies[1]?.messages).toEqual(bodies[0]?.messages)
  }, 120_000)
})
