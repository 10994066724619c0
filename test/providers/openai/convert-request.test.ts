import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import type { ProviderSettings } from '../../../src/config/providers.ts'
import type { ModelEntry } from '../../../src/config/schema.ts'
import { MessagesRequest } from '../../../src/protocol/messages.ts'
import { parseMessagesRequest } from '../../../src/protocol/parse-request.ts'
import {
  convertRequest,
  inferReasoning,
  serializeChatRequest,
} from '../../../src/providers/openai/convert-request.ts'
import { assertStrictOpenAIRequest, strictOpenAIProblems } from './strict-openai.ts'

type Provider = Pick<ProviderSettings, 'name' | 'endpoint'>

const local: Provider = { name: 'local', endpoint: 'http://127.0.0.1:8000/v1/chat/completions' }
const openai: Provider = { name: 'openai', endpoint: 'https://api.openai.com/v1/chat/completions' }
const openrouter: Provider = {
  name: 'openrouter',
  endpoint: 'https://openrouter.ai/api/v1/chat/completions',
}
const deepseek: Provider = {
  name: 'deepseek',
  endpoint: 'https://api.deepseek.com/chat/completions',
}
const dashscope: Provider = {
  name: 'qwen',
  endpoint: 'https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions',
}
const ollama: Provider = { name: 'ollama', endpoint: 'http://localhost:11434/v1/chat/completions' }

/** A hand-written request, checked against the inbound schema so tests only feed valid input. */
function anthropic(value: Record<string, unknown>): MessagesRequest {
  const request = { model: 'claude-opus-5-5', max_tokens: 1000, ...value }
  if (!Value.Check(MessagesRequest, request)) {
    throw new Error(
      `invalid test request: ${[...Value.Errors(MessagesRequest, request)][0]?.message}`,
    )
  }
  return request
}

interface ConvertOptions {
  provider?: Provider
  model?: string
  modelEntry?: Omit<ModelEntry, 'id'>
}

function convert(request: Record<string, unknown>, options: ConvertOptions = {}) {
  const model = options.model ?? 'test-model'
  const settings = {
    request: anthropic(request),
    model,
    provider: options.provider ?? local,
    modelEntry: { id: model, ...options.modelEntry },
  }
  const result = convertRequest(settings)
  // Every converted body must be acceptable to a strict provider, whatever the test checks.
  assertStrictOpenAIRequest(result.body, { vendorExtensions: true })
  // And the tools memo must be invisible: the first conversion with the tools' text (a miss)
  // and the second (a hit) send the same request and report the same warnings.
  if (settings.request.tools !== undefined) {
    const parsed = parseMessagesRequest(bytesOf(JSON.stringify(settings.request)))
    for (const round of ['miss', 'hit']) {
      const remembered = convertRequest({ ...settings, request: parsed })
      if (result.body.tools !== undefined) expect(remembered.toolsJson).toBeInstanceOf(Uint8Array)
      expect({ round, warnings: remembered.warnings }).toEqual({ round, warnings: result.warnings })
      expect(JSON.parse(sentText(remembered))).toEqual(JSON.parse(JSON.stringify(result.body)))
    }
  }
  return result
}

const user = (content: unknown) => ({ role: 'user', content })
const assistant = (content: unknown) => ({ role: 'assistant', content })
const text = (value: string) => ({ type: 'text', text: value })
const toolUse = (id: string, name: string, input: unknown) => ({
  type: 'tool_use',
  id,
  name,
  input,
})
const toolResult = (id: string, content: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'tool_result',
  tool_use_id: id,
  content,
  ...extra,
})
const call = (id: string, name: string, input: unknown) => ({
  id,
  type: 'function' as const,
  function: { name, arguments: JSON.stringify(input) },
})
const ephemeral = { cache_control: { type: 'ephemeral' } }
const billing = text('x-anthropic-billing-header: cc_version=2.1.332.16f; cc_entrypoint=sdk-cli;')

// ---- Recorded Claude Code requests ----

interface Fixture {
  path: string
  request: MessagesRequest
}

async function loadFixtures(): Promise<Fixture[]> {
  const root = `${import.meta.dir}/../../fixtures/claude-code`
  const fixtures: Fixture[] = []
  for (const path of [...new Bun.Glob('*/*.request.json').scanSync(root)].sort()) {
    const recorded: { method: string; path: string; body: unknown } = await Bun.file(
      `${root}/${path}`,
    ).json()
    if (recorded.method !== 'POST' || recorded.path !== '/v1/messages') continue
    if (!Value.Check(MessagesRequest, recorded.body))
      throw new Error(`${path} is not a Messages request`)
    fixtures.push({ path, request: recorded.body })
  }
  return fixtures
}

const fixtures = await loadFixtures()

function fixture(path: string): MessagesRequest {
  const found = fixtures.find((candidate) => candidate.path === path)
  if (found === undefined) throw new Error(`no fixture ${path}`)
  return found.request
}

describe('Claude Code fixtures', () => {
  test('all recorded POST /v1/messages requests are found', () => {
    expect(fixtures.length).toBe(28)
  })

  const targets: Array<{ provider: Provider; model: string; vendorExtensions: boolean }> = [
    { provider: openai, model: 'gpt-5', vendorExtensions: false },
    { provider: local, model: 'qwen2.5-coder', vendorExtensions: false },
    { provider: openrouter, model: 'anthropic/claude-sonnet-4.5', vendorExtensions: true },
    { provider: deepseek, model: 'deepseek-chat', vendorExtensions: true },
    { provider: dashscope, model: 'qwen3-coder-plus', vendorExtensions: true },
    { provider: ollama, model: 'gpt-oss:20b', vendorExtensions: false },
  ]
  for (const { path } of fixtures) {
    test(`${path} converts to a strict OpenAI request for every kind of provider`, () => {
      const request = fixture(path)
      const before = structuredClone(request)
      for (const { provider, model, vendorExtensions } of targets) {
        const { body, warnings } = convertRequest({
          request,
          model,
          provider,
          modelEntry: { id: model },
        })
        assertStrictOpenAIRequest(body, { vendorExtensions })
        expect(body.model).toBe(model)
        expect(body.messages[0]?.role).toBe('system')
        expect(JSON.stringify(body)).not.toContain('x-anthropic-billing-header')
        expect(JSON.stringify(body)).not.toContain('00000000-0000-4000-8000-000000000001')
        expect(warnings.length).toBeLessThanOrEqual(8)
      }
      expect(request).toEqual(before)
    })
  }

  test('print-bash turn 2: the whole body for a plain OpenAI-compatible server', () => {
    const request = fixture('print-bash/02-main-turn2-tool-result-stream.request.json')
    const source = request as unknown as {
      system: Array<{ text: string }>
      messages: [
        { content: Array<{ text: string }> },
        { content: string },
        { content: [{ text: string }, { id: string; input: unknown }] },
      ]
      tools: Array<{
        name: string
        description: string
        input_schema: Record<string, unknown>
        defer_loading?: boolean
      }>
    }
    const [first, environment, answer] = source.messages
    const { body, warnings } = convertRequest({
      request,
      model: 'qwen2.5-coder',
      provider: local,
      modelEntry: { id: 'qwen2.5-coder' },
    })
    expect(body).toEqual({
      model: 'qwen2.5-coder',
      messages: [
        { role: 'system', content: `${source.system[1]?.text}\n\n${source.system[2]?.text}` },
        { role: 'user', content: `${first.content[0]?.text}\n\n${first.content[1]?.text}` },
        { role: 'system', content: environment.content },
        {
          role: 'assistant',
          content: answer.content[0].text,
          tool_calls: [
            call(answer.content[1].id, 'Bash', {
              command: 'echo hello',
              description: 'Print hello',
            }),
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_mock000000000001', content: 'hello' },
      ],
      max_tokens: 128000,
      stream: true,
      stream_options: { include_usage: true },
      tools: source.tools
        .filter((tool) => tool.defer_loading !== true)
        .map(({ name, description, input_schema: { $schema: _dialect, ...parameters } }) => ({
          type: 'function',
          function: { name, description, parameters },
        })),
      user: createHash('sha256')
        .update(String(request.metadata?.user_id))
        .digest('hex')
        .slice(0, 32),
    })
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'system[0]',
        details: "Claude Code's billing pseudo-header is meant for Anthropic only",
      },
      {
        type: 'dropped',
        field: 'tools[10]',
        details: 'deferred tools left out until ToolSearch loads them: DeferredToolPlaceholder',
      },
      {
        type: 'dropped',
        field: 'thinking',
        details:
          'this model has no known reasoning switch (and output_config.effort); set "reasoning" on the model in the config',
      },
      {
        type: 'dropped',
        field: 'context_management',
        details: 'Anthropic context editing has no OpenAI equivalent: the full history is sent',
      },
      {
        type: 'dropped',
        field: 'cache_control',
        details: '3 markers dropped: OpenAI-compatible APIs cache prompts on their own',
      },
    ])
  })

  test('print-model-sonnet-4-5: the thinking budget for OpenAI and OpenRouter', () => {
    const request = fixture('print-model-sonnet-4-5/01-main-turn1-stream.request.json')
    const toOpenAI = convertRequest({
      request,
      model: 'gpt-5',
      provider: openai,
      modelEntry: { id: 'gpt-5' },
    })
    expect(toOpenAI.body).toMatchObject({ max_completion_tokens: 32000, reasoning_effort: 'high' })
    expect(toOpenAI.body.max_tokens).toBeUndefined()
    expect(toOpenAI.warnings).toContainEqual({
      type: 'changed',
      field: 'thinking.budget_tokens',
      details: "a token budget cannot be sent: reasoning_effort 'high' instead",
    })
    const toOpenRouter = convertRequest({
      request,
      model: 'x/y',
      provider: openrouter,
      modelEntry: { id: 'x/y' },
    })
    expect(toOpenRouter.body).toMatchObject({ max_tokens: 32000, reasoning: { max_tokens: 31999 } })
  })

  test('interactive-title: structured output and a lone effort are reported', () => {
    const request = fixture('interactive-title/02-bg-session-title-stream.request.json')
    const { body, warnings } = convertRequest({
      request,
      model: 'gpt-5',
      provider: openai,
      modelEntry: { id: 'gpt-5' },
    })
    expect(body.tools).toBeUndefined()
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'system[0]',
        details: "Claude Code's billing pseudo-header is meant for Anthropic only",
      },
      {
        type: 'dropped',
        field: 'output_config.format',
        details:
          'structured output is not sent: the model answers in free text, guided by the prompt',
      },
      {
        type: 'dropped',
        field: 'output_config.effort',
        details: 'effort is only sent along with adaptive thinking',
      },
    ])
  })
})

// ---- Focused cases ----

describe('system', () => {
  test('a string becomes the leading system message', () => {
    expect(convert({ system: 'Be brief.', messages: [user('Hi')] })).toEqual({
      body: {
        model: 'test-model',
        max_tokens: 1000,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      },
      warnings: [],
    })
  })

  test('blocks are joined and the billing pseudo-header is dropped', () => {
    const system = [
      billing,
      { ...text('You are Claude Code.'), ...ephemeral },
      { ...text('Be brief.'), ...ephemeral },
    ]
    expect(convert({ system, messages: [user('Hi')] })).toEqual({
      body: {
        model: 'test-model',
        max_tokens: 1000,
        messages: [
          { role: 'system', content: 'You are Claude Code.\n\nBe brief.' },
          { role: 'user', content: 'Hi' },
        ],
      },
      warnings: [
        {
          type: 'dropped',
          field: 'system[0]',
          details: "Claude Code's billing pseudo-header is meant for Anthropic only",
        },
        {
          type: 'dropped',
          field: 'cache_control',
          details: '2 markers dropped: OpenAI-compatible APIs cache prompts on their own',
        },
      ],
    })
  })

  test('system messages mid-conversation stay where they are, string or blocks', () => {
    const messages = [
      user('Hi'),
      { role: 'system', content: 'Platform: linux' },
      assistant('Hello!'),
      { role: 'system', content: [text('Reminder A'), { ...text('Reminder B'), ...ephemeral }] },
      user('Go on'),
    ]
    expect(convert({ system: 'Be brief.', messages })).toEqual({
      body: {
        model: 'test-model',
        max_tokens: 1000,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'system', content: 'Platform: linux' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'system', content: 'Reminder A\n\nReminder B' },
          { role: 'user', content: 'Go on' },
        ],
      },
      warnings: [
        {
          type: 'dropped',
          field: 'cache_control',
          details: '1 marker dropped: OpenAI-compatible APIs cache prompts on their own',
        },
      ],
    })
  })
})

describe('images and documents', () => {
  const png = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }
  const images = [
    text('What is this?'),
    { type: 'image', source: png },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    { type: 'image', source: { type: 'file', file_id: 'file_011' } },
  ]

  test('base64 and URL images become image_url parts; Files API images are dropped', () => {
    const { body, warnings } = convert({ messages: [user(images)] })
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
    ])
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'messages[0].content[3]',
        details: 'an Anthropic Files API image cannot be read by this provider',
      },
    ])
  })

  test('vision: false replaces every image with a placeholder, in one warning', () => {
    const { body, warnings } = convert(
      { messages: [user(images)] },
      { modelEntry: { vision: false } },
    )
    const placeholder = '[image omitted: this model cannot see images]'
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: ['What is this?', placeholder, placeholder, placeholder].join('\n\n'),
      },
    ])
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'messages[0].content[1], messages[0].content[2], messages[0].content[3]',
        details:
          'the model does not accept images (vision: false): a placeholder is sent (3 times)',
      },
    ])
  })

  test('an image in a tool result follows the tool messages in a user message', () => {
    const messages = [
      user('Look at shot.png'),
      assistant([toolUse('toolu_1', 'Read', { file_path: '/p/shot.png' })]),
      user([
        toolResult('toolu_1', [text('Read image (1 KB)'), { type: 'image', source: png }]),
        text('What do you see?'),
      ]),
    ]
    const { body, warnings } = convert({ messages })
    expect(body.messages).toEqual([
      { role: 'user', content: 'Look at shot.png' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [call('toolu_1', 'Read', { file_path: '/p/shot.png' })],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Read image (1 KB)' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Attachments returned by tool call toolu_1 (Read):' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      { role: 'user', content: 'What do you see?' },
    ])
    expect(warnings).toEqual([
      {
        type: 'changed',
        field: 'messages[2].content[0]',
        details: 'tool result images and files are sent in a user message after the tool messages',
      },
    ])
  })

  const pdf = {
    type: 'document',
    title: 'spec.pdf',
    source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
  }

  test('a PDF becomes a file part when the model reads documents', () => {
    const { body, warnings } = convert(
      { messages: [user([pdf, text('Summarize it.')])] },
      { modelEntry: { documents: true } },
    )
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'file',
            file: { filename: 'spec.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
          },
          { type: 'text', text: 'Summarize it.' },
        ],
      },
    ])
    expect(warnings).toEqual([])
  })

  test('a PDF becomes a placeholder otherwise', () => {
    const { body, warnings } = convert({ messages: [user([pdf, text('Summarize it.')])] })
    const why = 'the model is not configured to read PDFs (documents: true)'
    expect(body.messages).toEqual([
      { role: 'user', content: `[document omitted: spec.pdf; ${why}]\n\nSummarize it.` },
    ])
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'messages[0].content[0]',
        details: `${why}: a placeholder is sent`,
      },
    ])
  })

  test('plain-text documents are always sent as text, with their title', () => {
    const documents = [
      {
        type: 'document',
        title: 'Notes',
        source: { type: 'text', media_type: 'text/plain', data: 'Buy milk.' },
      },
      {
        type: 'document',
        source: { type: 'content', content: [text('Part one.'), text('Part two.')] },
      },
      { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
    ]
    const { body, warnings } = convert({ messages: [user(documents)] })
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          'Notes\n\nBuy milk.',
          'Part one.\n\nPart two.',
          '[document omitted; this provider cannot read a url source]',
        ].join('\n\n'),
      },
    ])
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'messages[0].content[2]',
        details: 'this provider cannot read a url source: a placeholder is sent',
      },
    ])
  })
})

describe('tool calls and results', () => {
  test('parallel calls stay in one assistant message, answered in call order', () => {
    const messages = [
      user('Read a and b'),
      assistant([
        text('Reading both.'),
        toolUse('toolu_a', 'Read', { file_path: 'a' }),
        toolUse('toolu_b', 'Read', { file_path: 'b' }),
      ]),
      user([
        toolResult('toolu_b', 'B content'),
        { ...toolResult('toolu_a', [text('A content')]), ...ephemeral },
      ]),
    ]
    expect(convert({ messages })).toEqual({
      body: {
        model: 'test-model',
        max_tokens: 1000,
        messages: [
          { role: 'user', content: 'Read a and b' },
          {
            role: 'assistant',
            content: 'Reading both.',
            tool_calls: [
              call('toolu_a', 'Read', { file_path: 'a' }),
              call('toolu_b', 'Read', { file_path: 'b' }),
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_a', content: 'A content' },
          { role: 'tool', tool_call_id: 'toolu_b', content: 'B content' },
        ],
      },
      warnings: [
        {
          type: 'dropped',
          field: 'cache_control',
          details: '1 marker dropped: OpenAI-compatible APIs cache prompts on their own',
        },
      ],
    })
  })

  test('is_error is spelled out in the tool message', () => {
    const messages = [
      user('Run it'),
      assistant([toolUse('toolu_1', 'Bash', { command: 'nope' })]),
      user([toolResult('toolu_1', [text('nope: command not found')], { is_error: true })]),
    ]
    const { body, warnings } = convert({ messages })
    expect(body.messages[2]).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_1',
      content: 'Error: nope: command not found',
    })
    expect(warnings).toEqual([])
  })

  test('results come before a system message and the text Claude Code puts with them', () => {
    const messages = [
      user('Hi'),
      assistant([toolUse('toolu_1', 'Bash', { command: 'ls' })]),
      { role: 'system', content: 'The date is 2026-01-01.' },
      user([toolResult('toolu_1', 'a.txt'), text('Now delete it.')]),
    ]
    const { body } = convert({ messages })
    expect(body.messages).toEqual([
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [call('toolu_1', 'Bash', { command: 'ls' })],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'a.txt' },
      { role: 'system', content: 'The date is 2026-01-01.' },
      { role: 'user', content: 'Now delete it.' },
    ])
  })

  test('an interrupted tool_use gets a placeholder result', () => {
    const messages = [
      user('Run it'),
      assistant([toolUse('toolu_1', 'Bash', { command: 'sleep 99' })]),
      user('Stop, do X instead.'),
    ]
    const { body, warnings } = convert({ messages })
    expect(body.messages).toEqual([
      { role: 'user', content: 'Run it' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [call('toolu_1', 'Bash', { command: 'sleep 99' })],
      },
      {
        role: 'tool',
        tool_call_id: 'toolu_1',
        content: 'Error: the tool call was interrupted and returned no result.',
      },
      { role: 'user', content: 'Stop, do X instead.' },
    ])
    expect(warnings).toEqual([
      {
        type: 'changed',
        field: 'messages[1].content[0]',
        details: 'a tool_use without a tool_result (interrupted turn) gets a placeholder result',
      },
    ])
  })

  test('a tool_result without a call becomes user text', () => {
    const messages = [user([toolResult('toolu_gone', 'stale output'), text('Continue.')])]
    const { body, warnings } = convert({ messages })
    expect(body.messages).toEqual([
      { role: 'user', content: 'Result of tool call toolu_gone:\nstale output\n\nContinue.' },
    ])
    expect(warnings).toEqual([
      {
        type: 'changed',
        field: 'messages[0].content[0]',
        details: 'a tool_result without a matching earlier tool_use is sent as user text',
      },
    ])
  })

  test('empty messages are not sent; an empty result says so', () => {
    const messages = [
      user('Hi'),
      assistant([]),
      user(''),
      assistant([toolUse('toolu_1', 'Bash', { command: 'true' })]),
      user([toolResult('toolu_1', [])]),
    ]
    const { body, warnings } = convert({ messages })
    expect(body.messages).toEqual([
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [call('toolu_1', 'Bash', { command: 'true' })],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '(no output)' },
    ])
    expect(warnings).toEqual([])
  })

  test('server tool blocks and unknown blocks are dropped', () => {
    const messages = [
      user([text('Search the web'), { type: 'container_upload', file_id: 'f' }]),
      assistant([
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'bun' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
        text('Bun is a JavaScript runtime.'),
      ]),
    ]
    const { body, warnings } = convert({ messages })
    expect(body.messages).toEqual([
      { role: 'user', content: 'Search the web' },
      { role: 'assistant', content: 'Bun is a JavaScript runtime.' },
    ])
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'messages[0].content[1]',
        details: 'unknown or malformed block type container_upload',
      },
      {
        type: 'dropped',
        field: 'messages[1].content[0], messages[1].content[1]',
        details: 'Anthropic server tool blocks have no OpenAI equivalent (2 times)',
      },
    ])
  })
})

describe('thinking history', () => {
  const messages = [
    user('Fix the bug'),
    assistant([
      { type: 'thinking', thinking: 'The bug is in a.ts.', signature: 'EqQBCkYIBx' },
      { type: 'thinking', thinking: 'Read it first.', signature: 'ccr:deepseek' },
      { type: 'redacted_thinking', data: 'EmwKAhgB' },
      text('Let me look.'),
      toolUse('toolu_1', 'Read', { file_path: 'a.ts' }),
    ]),
    user([toolResult('toolu_1', 'export {}')]),
  ]

  test('is dropped for providers that take none back', () => {
    const { body, warnings } = convert({ messages })
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: 'Let me look.',
      tool_calls: [call('toolu_1', 'Read', { file_path: 'a.ts' })],
    })
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'messages[1].content[0], messages[1].content[1]',
        details: 'thinking blocks are not sent back to this provider (2 times)',
      },
      {
        type: 'dropped',
        field: 'messages[1].content[2]',
        details: 'redacted thinking is encrypted for Anthropic only',
      },
    ])
  })

  test('goes to reasoning_content for DeepSeek', () => {
    const { body, warnings } = convert(
      { messages },
      { provider: deepseek, model: 'deepseek-reasoner' },
    )
    expect(body.messages).toEqual([
      { role: 'user', content: 'Fix the bug' },
      {
        role: 'assistant',
        content: 'Let me look.',
        tool_calls: [call('toolu_1', 'Read', { file_path: 'a.ts' })],
        reasoning_content: 'The bug is in a.ts.\n\nRead it first.',
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'export {}' },
    ])
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'messages[1].content[2]',
        details: 'redacted thinking is encrypted for Anthropic only',
      },
    ])
  })
})

describe('thinking settings', () => {
  const reasoningOf = (request: Record<string, unknown>, options: ConvertOptions) => {
    const { body, warnings } = convert({ messages: [user('Hi')], ...request }, options)
    const { model: _model, messages: _messages, max_tokens: _maxTokens, ...rest } = body
    return { rest, warnings }
  }
  const enabled = (budget: number) => ({ thinking: { type: 'enabled', budget_tokens: budget } })
  const adaptive = (effort?: string) => ({
    thinking: { type: 'adaptive', display: 'omitted' },
    ...(effort === undefined ? {} : { output_config: { effort } }),
  })

  test('reasoning_effort: budgets map to levels', () => {
    const changed = (level: string) => [
      {
        type: 'changed' as const,
        field: 'thinking.budget_tokens',
        details: `a token budget cannot be sent: reasoning_effort '${level}' instead`,
      },
    ]
    expect(reasoningOf(enabled(4096), { provider: ollama })).toEqual({
      rest: { reasoning_effort: 'low' },
      warnings: changed('low'),
    })
    expect(reasoningOf(enabled(16384), { provider: ollama })).toEqual({
      rest: { reasoning_effort: 'medium' },
      warnings: changed('medium'),
    })
    expect(reasoningOf(enabled(31999), { provider: ollama })).toEqual({
      rest: { reasoning_effort: 'high' },
      warnings: changed('high'),
    })
  })

  test('reasoning_effort: adaptive thinking takes output_config.effort', () => {
    expect(reasoningOf(adaptive('low'), { provider: ollama })).toEqual({
      rest: { reasoning_effort: 'low' },
      warnings: [],
    })
    expect(reasoningOf(adaptive(), { provider: ollama })).toEqual({
      rest: { reasoning_effort: 'medium' },
      warnings: [],
    })
    expect(reasoningOf(adaptive('max'), { provider: ollama })).toEqual({
      rest: { reasoning_effort: 'high' },
      warnings: [
        {
          type: 'changed',
          field: 'output_config.effort',
          details: "'max' sent as 'high', the highest level OpenAI-style APIs share",
        },
      ],
    })
  })

  test('openrouter: a budget as max_tokens, adaptive as effort', () => {
    expect(reasoningOf(enabled(5000), { provider: openrouter })).toEqual({
      rest: { reasoning: { max_tokens: 5000 } },
      warnings: [],
    })
    expect(reasoningOf(adaptive('high'), { provider: openrouter })).toEqual({
      rest: { reasoning: { effort: 'high' } },
      warnings: [],
    })
  })

  test('enable_thinking: a switch and a budget', () => {
    expect(reasoningOf(enabled(8000), { provider: dashscope })).toEqual({
      rest: { enable_thinking: true, thinking_budget: 8000 },
      warnings: [],
    })
    expect(reasoningOf(adaptive('high'), { provider: dashscope })).toEqual({
      rest: { enable_thinking: true },
      warnings: [
        {
          type: 'dropped',
          field: 'output_config.effort',
          details: 'enable_thinking has no effort level',
        },
      ],
    })
  })

  test('none: thinking is dropped with a warning; disabled sends nothing', () => {
    expect(reasoningOf(enabled(8000), {})).toEqual({
      rest: {},
      warnings: [
        {
          type: 'dropped',
          field: 'thinking',
          details:
            'this model has no known reasoning switch; set "reasoning" on the model in the config',
        },
      ],
    })
    expect(reasoningOf({ thinking: { type: 'disabled' } }, { provider: openrouter })).toEqual({
      rest: {},
      warnings: [],
    })
  })

  test('the configured control wins over the inferred one', () => {
    expect(reasoningOf(adaptive('low'), { modelEntry: { reasoning: 'openrouter' } })).toEqual({
      rest: { reasoning: { effort: 'low' } },
      warnings: [],
    })
    expect(
      reasoningOf(enabled(8000), { provider: openrouter, modelEntry: { reasoning: 'none' } }).rest,
    ).toEqual({})
  })

  test('inferReasoning reads the host, the port and the model name', () => {
    const cases: Array<[string, string, string]> = [
      ['https://openrouter.ai/api/v1/chat/completions', 'deepseek/deepseek-r1', 'openrouter'],
      ['https://api.openai.com/v1/chat/completions', 'o3-mini', 'reasoning_effort'],
      ['https://api.openai.com/v1/chat/completions', 'gpt-5-mini', 'reasoning_effort'],
      ['https://api.openai.com/v1/chat/completions', 'gpt-4o', 'none'],
      [
        'https://api.groq.com/openai/v1/chat/completions',
        'openai/gpt-oss-120b',
        'reasoning_effort',
      ],
      ['https://api.groq.com/openai/v1/chat/completions', 'qwen/qwen3-32b', 'reasoning_effort'],
      ['https://api.groq.com/openai/v1/chat/completions', 'llama-3.3-70b-versatile', 'none'],
      [
        'https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions',
        'qwen-plus',
        'enable_thinking',
      ],
      ['https://api.siliconflow.cn/v1/chat/completions', 'Qwen/Qwen3-8B', 'enable_thinking'],
      ['http://localhost:11434/v1/chat/completions', 'qwen3:8b', 'reasoning_effort'],
      ['https://api.deepseek.com/chat/completions', 'deepseek-reasoner', 'none'],
      ['not a url', 'gpt-5', 'none'],
    ]
    const inferred = cases.map(([endpoint, model]) => [
      endpoint,
      model,
      inferReasoning({ endpoint }, model),
    ])
    expect(inferred).toEqual(cases)
  })
})

describe('tools', () => {
  const bash = {
    name: 'Bash',
    description: 'Runs a command',
    input_schema: { type: 'object', properties: { command: { type: 'string' } } },
  }
  const bashTool = {
    type: 'function' as const,
    function: { name: 'Bash', description: 'Runs a command', parameters: bash.input_schema },
  }

  test('tool_choice maps to its four OpenAI spellings', () => {
    const choiceOf = (tool_choice: Record<string, unknown>) => {
      const { body, warnings } = convert({ messages: [user('Hi')], tools: [bash], tool_choice })
      return {
        tool_choice: body.tool_choice,
        parallel_tool_calls: body.parallel_tool_calls,
        warnings,
      }
    }
    expect(choiceOf({ type: 'auto' })).toEqual({
      tool_choice: 'auto',
      parallel_tool_calls: undefined,
      warnings: [],
    })
    expect(choiceOf({ type: 'any' })).toEqual({
      tool_choice: 'required',
      parallel_tool_calls: undefined,
      warnings: [],
    })
    expect(choiceOf({ type: 'none' })).toEqual({
      tool_choice: 'none',
      parallel_tool_calls: undefined,
      warnings: [],
    })
    expect(choiceOf({ type: 'tool', name: 'Bash', disable_parallel_tool_use: true })).toEqual({
      tool_choice: { type: 'function', function: { name: 'Bash' } },
      parallel_tool_calls: false,
      warnings: [],
    })
    expect(choiceOf({ type: 'tool', name: 'Missing' })).toEqual({
      tool_choice: 'required',
      parallel_tool_calls: undefined,
      warnings: [
        {
          type: 'changed',
          field: 'tool_choice.name',
          details: 'tool Missing is not sent, so a call to some tool is required instead',
        },
      ],
    })
  })

  test('deferred and server tools are dropped; without tools, tool_choice goes too', () => {
    const tools = [
      { name: 'web_search', type: 'web_search_20250305', max_uses: 5 },
      {
        name: 'CronCreate',
        description: 'Schedules',
        input_schema: { type: 'object' },
        defer_loading: true,
      },
      { name: 'Monitor', input_schema: { type: 'object' }, defer_loading: true },
      { name: 'str_replace_based_edit_tool', type: 'text_editor_20250728' },
    ]
    const { body, warnings } = convert({
      messages: [user('Hi')],
      tools,
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    })
    expect(body).toEqual({
      model: 'test-model',
      max_tokens: 1000,
      messages: [{ role: 'user', content: 'Hi' }],
    })
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'tools[0]',
        details: 'Anthropic server tool web_search_20250305 (web_search) only runs on Anthropic',
      },
      {
        type: 'dropped',
        field: 'tools[3]',
        details:
          'Anthropic server tool text_editor_20250728 (str_replace_based_edit_tool) only runs on Anthropic',
      },
      {
        type: 'dropped',
        field: 'tools[1], tools[2]',
        details: 'deferred tools left out until ToolSearch loads them: CronCreate, Monitor',
      },
      { type: 'dropped', field: 'tool_choice', details: 'no tools left to choose from' },
    ])
  })

  test('a deferred tool that ToolSearch loaded is sent', () => {
    const tools = [
      { ...bash, ...ephemeral },
      {
        name: 'CronCreate',
        description: 'Schedules',
        input_schema: { type: 'object', properties: {} },
        defer_loading: true,
      },
      { name: 'Monitor', input_schema: { type: 'object' }, defer_loading: true },
    ]
    const messages = [
      user('Schedule it'),
      assistant([toolUse('toolu_1', 'ToolSearch', { query: 'select:CronCreate' })]),
      user([toolResult('toolu_1', [{ type: 'tool_reference', tool_name: 'CronCreate' }])]),
    ]
    const { body, warnings } = convert({ messages, tools })
    expect(body.tools).toEqual([
      bashTool,
      {
        type: 'function',
        function: {
          name: 'CronCreate',
          description: 'Schedules',
          parameters: { type: 'object', properties: {} },
        },
      },
    ])
    expect(body.messages[2]).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_1',
      content: 'Tool loaded: CronCreate',
    })
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'tools[2]',
        details: 'deferred tools left out until ToolSearch loads them: Monitor',
      },
      {
        type: 'dropped',
        field: 'cache_control',
        details: '1 marker dropped: OpenAI-compatible APIs cache prompts on their own',
      },
    ])
  })

  test('schemas lose $schema at every level; a missing schema becomes an empty object', () => {
    const input_schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        $schema: { type: 'string', description: 'a parameter that happens to be called $schema' },
        options: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          properties: { mode: { type: 'string', enum: ['a', 'b'], default: 'a' } },
        },
        list: { type: 'array', items: [{ $schema: 'x', type: 'string' }] },
      },
      required: ['options'],
      additionalProperties: false,
    }
    const tools = [{ name: 'Configure', input_schema, strict: true }, { name: 'Ping' }]
    const { body, warnings } = convert({ messages: [user('Hi')], tools })
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'Configure',
          parameters: {
            type: 'object',
            properties: {
              $schema: {
                type: 'string',
                description: 'a parameter that happens to be called $schema',
              },
              options: {
                type: 'object',
                properties: { mode: { type: 'string', enum: ['a', 'b'], default: 'a' } },
              },
              list: { type: 'array', items: [{ type: 'string' }] },
            },
            required: ['options'],
            additionalProperties: false,
          },
        },
      },
      {
        type: 'function',
        function: { name: 'Ping', parameters: { type: 'object', properties: {} } },
      },
    ])
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'tools[0].strict',
        details: 'not supported by OpenAI function tools',
      },
    ])
  })
})

describe('generation settings', () => {
  test('max_tokens is capped to the configured limit', () => {
    const { body, warnings } = convert(
      { max_tokens: 32000, messages: [user('Hi')] },
      { modelEntry: { max_output_tokens: 8192 } },
    )
    expect(body.max_tokens).toBe(8192)
    expect(warnings).toEqual([
      {
        type: 'changed',
        field: 'max_tokens',
        details: "capped from 32000 to the model's max_output_tokens 8192",
      },
    ])
  })

  test('OpenAI reasoning models get max_completion_tokens and no sampling settings', () => {
    const { body, warnings } = convert(
      { max_tokens: 4000, temperature: 0.2, top_p: 0.9, messages: [user('Hi')] },
      { provider: openai, model: 'o4-mini' },
    )
    expect(body).toEqual({
      model: 'o4-mini',
      max_completion_tokens: 4000,
      messages: [{ role: 'user', content: 'Hi' }],
    })
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'temperature, top_p',
        details: 'OpenAI reasoning models reject sampling parameters (2 times)',
      },
    ])
  })

  test('sampling settings pass; top_k is dropped; stop keeps four sequences', () => {
    const request = {
      messages: [user('Hi')],
      temperature: 0.7,
      top_p: 0.95,
      top_k: 40,
      stop_sequences: ['A', 'B', 'C', 'D', 'E'],
      stream: true,
    }
    expect(convert(request)).toEqual({
      body: {
        model: 'test-model',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.7,
        top_p: 0.95,
        stop: ['A', 'B', 'C', 'D'],
        stream: true,
        stream_options: { include_usage: true },
      },
      warnings: [
        { type: 'dropped', field: 'top_k', details: 'OpenAI Chat Completions has no top_k' },
        {
          type: 'changed',
          field: 'stop_sequences',
          details: 'OpenAI takes at most 4: only the first 4 are sent',
        },
      ],
    })
  })

  test('metadata.user_id is sent as a stable hash, never as is', () => {
    const userId = '{"device_id":"ab12","account_uuid":"","session_id":"5b7c"}'
    const first = convert({ messages: [user('Hi')], metadata: { user_id: userId } })
    const again = convert({ messages: [user('Hi')], metadata: { user_id: userId } })
    const other = convert({ messages: [user('Hi')], metadata: { user_id: '{"device_id":"cd34"}' } })
    expect(first.body.user).toBe(createHash('sha256').update(userId).digest('hex').slice(0, 32))
    expect(first.body.user).toMatch(/^[0-9a-f]{32}$/)
    expect(again.body.user).toBe(first.body.user)
    expect(other.body.user).not.toBe(first.body.user)
    expect(JSON.stringify(first.body)).not.toContain('ab12')
    expect(first.warnings).toEqual([])
  })

  test('unknown and Anthropic-only top-level fields are reported one by one', () => {
    const { warnings } = convert({
      messages: [user('Hi')],
      context_management: { edits: [] },
      service_tier: 'auto',
      container: 'container_1',
      mcp_servers: [],
      inference_geo: 'us',
      output_config: { format: { type: 'json_schema', schema: {} } },
    })
    expect(warnings).toEqual([
      {
        type: 'dropped',
        field: 'output_config.format',
        details:
          'structured output is not sent: the model answers in free text, guided by the prompt',
      },
      {
        type: 'dropped',
        field: 'context_management',
        details: 'Anthropic context editing has no OpenAI equivalent: the full history is sent',
      },
      {
        type: 'dropped',
        field: 'service_tier',
        details: 'Anthropic service tiers do not apply to this provider',
      },
      {
        type: 'dropped',
        field: 'container',
        details: 'Anthropic code-execution containers do not exist on this provider',
      },
      {
        type: 'dropped',
        field: 'mcp_servers',
        details: "Anthropic's MCP connector has no OpenAI equivalent",
      },
      {
        type: 'dropped',
        field: 'inference_geo',
        details: 'not supported by OpenAI Chat Completions',
      },
    ])
  })

  test('the request is never mutated', () => {
    const request = anthropic({
      system: [billing, { ...text('Sys'), ...ephemeral }],
      messages: [
        user([
          text('Hi'),
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } },
        ]),
        assistant([
          { type: 'thinking', thinking: 'hm', signature: 's' },
          toolUse('toolu_1', 'Bash', { command: 'ls' }),
        ]),
        user([
          toolResult('toolu_1', [
            text('a'),
            { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
          ]),
        ]),
      ],
      tools: [{ name: 'Bash', input_schema: { $schema: 'x', type: 'object' }, ...ephemeral }],
      thinking: { type: 'enabled', budget_tokens: 2000 },
      stop_sequences: ['1', '2', '3', '4', '5'],
      max_tokens: 64000,
    })
    const before = structuredClone(request)
    convertRequest({
      request,
      model: 'm',
      provider: deepseek,
      modelEntry: { id: 'm', max_output_tokens: 8000 },
    })
    expect(request).toEqual(before)
  })
})

describe('the strict validator', () => {
  const valid = {
    model: 'm',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: null, tool_calls: [call('c1', 'Bash', {})] },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    ],
    tools: [{ type: 'function', function: { name: 'Bash', parameters: { type: 'object' } } }],
  }

  test('accepts a valid body', () => {
    expect(strictOpenAIProblems(valid)).toEqual([])
  })

  test('rejects unknown fields, vendor fields unless allowed', () => {
    expect(strictOpenAIProblems({ ...valid, top_k: 3 })).toEqual(['/top_k: Unexpected property'])
    expect(strictOpenAIProblems({ ...valid, enable_thinking: true })).toEqual([
      '/enable_thinking: Unexpected property',
    ])
    expect(
      strictOpenAIProblems({ ...valid, enable_thinking: true }, { vendorExtensions: true }),
    ).toEqual([])
  })

  test('rejects unanswered calls, stray tool messages and bad tools', () => {
    const problems = strictOpenAIProblems({
      model: 'm',
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [call('c1', 'Bash', {}), call('c2', 'Bash', {})],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
        { role: 'user', content: 'next' },
        { role: 'tool', tool_call_id: 'c3', content: 'stray' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'Bash', parameters: { $schema: 'x', type: 'object' } },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'Read' } },
      stream_options: { include_usage: true },
    })
    expect(problems).toEqual([
      '/messages/3: tool calls c2 are not answered before this user message',
      '/messages/4: tool message c3 does not answer a call of the assistant message before it',
      '/tools/0/function/parameters: $schema is rejected by some providers (Groq)',
      '/tool_choice: names Read, which is not among the tools',
      '/stream_options: only allowed with stream: true',
    ])
  })

  test('rejects bad tool names and empty content, and says so when asserting', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: '' }],
      tools: [{ type: 'function', function: { name: 'mcp.server/tool' } }],
    }
    expect(() => assertStrictOpenAIRequest(body)).toThrow(
      /not a strict OpenAI Chat Completions request:\n {2}\/messages\/0/,
    )
    expect(
      strictOpenAIProblems(body).some((problem) => problem.startsWith('/tools/0/function/name')),
    ).toBe(true)
  })
})

/** The upstream body as text, whether it was serialised as a string or as bytes. */
function sentText(converted: Parameters<typeof serializeChatRequest>[0]): string {
  const body = serializeChatRequest(converted)
  return typeof body === 'string' ? body : new TextDecoder().decode(body)
}

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}
