import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { MessagesRequest } from '../../src/protocol/messages.ts'
import { collectFacts } from '../../src/router/facts.ts'
import { route } from '../../src/router/route.ts'
import { createSessionMemory, type SessionMemory } from '../../src/router/sessions.ts'
import { extractSubagentTag } from '../../src/router/subagent-tag.ts'
import { activeConfig, fixtureBody, repoRoot } from '../helpers.ts'

const providers = [
  {
    name: 'main',
    api_base_url: 'https://main.test/v1/chat/completions',
    models: ['big', { id: 'blind', vision: false }],
  },
  { name: 'cheap', api_base_url: 'https://cheap.test/v1/chat/completions', models: ['small'] },
  { name: 'deep', api_base_url: 'https://deep.test/v1/chat/completions', models: ['reasoner'] },
  { name: 'long', api_base_url: 'https://long.test/v1/chat/completions', models: ['wide'] },
  { name: 'web', api_base_url: 'https://web.test/v1/chat/completions', models: ['search'] },
  { name: 'eyes', api_base_url: 'https://eyes.test/v1/messages', models: ['vision'] },
]
const fullRouter = {
  default: 'main,big',
  background: 'cheap,small',
  think: 'deep,reasoner',
  longContext: 'long,wide',
  longContextThreshold: 60000,
  webSearch: 'web,search',
  image: 'eyes,vision',
}

function decide(
  request: MessagesRequest,
  options: {
    router?: Record<string, unknown>
    fallback?: Record<string, unknown>
    headers?: Record<string, string>
    tokens?: number
    sessions?: SessionMemory
    custom?: string
  } = {},
) {
  const active = activeConfig({
    Providers: providers,
    Router: options.router ?? fullRouter,
    fallback: options.fallback,
  })
  const tagged = extractSubagentTag(request)
  const facts = collectFacts({
    request: tagged?.request ?? request,
    headers: new Headers(options.headers),
    tokenEstimate: options.tokens ?? 1000,
    sessions: options.sessions ?? createSessionMemory(),
    triggers: active.config.Router.thinkTriggers,
    project: undefined,
    subagentModel: tagged?.model,
  })
  const decision = route(facts, active, options.custom)
  return {
    slot: decision.slot,
    reason: decision.reason,
    candidates: decision.candidates.map((candidate) => candidate.reference),
  }
}

function fixture(scenario: string, file: string): MessagesRequest {
  return JSON.parse(fixtureBody(scenario, file))
}

const turn = fixture('print-bash', '01-main-turn1-stream.request.json')

describe('every recorded Claude Code 2.1.332 request', () => {
  test('ordinary turns stay on default, with adaptive thinking on every one of them', () => {
    const root = join(repoRoot, 'test', 'fixtures', 'claude-code')
    const decided: Record<string, string> = {}
    for (const scenario of readdirSync(root, { withFileTypes: true }).filter((entry) =>
      entry.isDirectory(),
    )) {
      for (const file of readdirSync(join(root, scenario.name)).filter((name) =>
        name.endsWith('.request.json'),
      )) {
        const body = fixtureBody(scenario.name, file)
        if (body === 'null') continue
        decided[`${scenario.name}/${file}`] = decide(JSON.parse(body)).slot
      }
    }
    const background = Object.entries(decided).filter(([, slot]) => slot !== 'default')
    expect(background).toEqual([
      ['interactive-title/02-bg-session-title-stream.request.json', 'background'],
    ])
    expect(Object.keys(decided).length).toBeGreaterThan(25)
  })
})

describe('background', () => {
  test("the session-title call by its shape, ccr code's marker, and haiku names", () => {
    expect(decide(fixture('interactive-title', '02-bg-session-title-stream.request.json'))).toEqual(
      {
        slot: 'background',
        reason:
          "background work: no tools and a JSON-schema answer, the shape of Claude Code's session titles",
        candidates: ['cheap,small'],
      },
    )
    expect(decide({ ...turn, model: 'ccr-background' }).slot).toBe('background')
    expect(decide({ ...turn, model: 'claude-haiku-4-5-20251001' }).slot).toBe('background')
  })

  test('without Router.background, it goes to default and says why', () => {
    const { background: _unused, ...router } = fullRouter
    expect(decide({ ...turn, model: 'ccr-background' }, { router })).toEqual({
      slot: 'default',
      reason:
        'Router.default (background work: the small/fast model marker that ccr code sets, but Router.background is not set)',
      candidates: ['main,big'],
    })
  })
})

describe('think', () => {
  const withEffort = (effort: string, model = 'claude-opus-5-5') => ({
    ...turn,
    model,
    output_config: { effort },
  })

  test("an effort above Claude Code's default for the model", () => {
    expect(decide(withEffort('high'))).toMatchObject({
      slot: 'think',
      reason: "harder thinking asked for: effort high (Claude Code's default here is medium)",
    })
    expect(decide(withEffort('xhigh')).slot).toBe('think')
    expect(decide(withEffort('medium')).slot).toBe('default')
    // Claude Code asks for `high` by default on names it does not know.
    const custom = fixture('print-model-custom', '01-main-turn1-stream.request.json')
    expect(custom.output_config?.effort).toBe('high')
    expect(decide(custom).slot).toBe('default')
    expect(decide(withEffort('max', 'gpt-4o-mini')).slot).toBe('think')
  })

  test("a budget above Claude Code's usual one; sonnet 4.5's 31999 on every turn is not", () => {
    const sonnet = fixture('print-model-sonnet-4-5', '01-main-turn1-stream.request.json')
    expect(sonnet.thinking).toMatchObject({ type: 'enabled', budget_tokens: 31999 })
    expect(decide(sonnet).slot).toBe('default')
    expect(
      decide({ ...sonnet, thinking: { type: 'enabled', budget_tokens: 48000 } }),
    ).toMatchObject({
      slot: 'think',
      reason: 'harder thinking asked for: a thinking budget of 48000 tokens',
    })
  })

  test('plan mode, and triggers are configurable', () => {
    const planning: MessagesRequest = {
      ...turn,
      messages: [
        ...turn.messages,
        {
          role: 'user',
          content: [
            { type: 'text', text: '<system-reminder>\nPlan mode is active. The user indicated…' },
          ],
        },
      ],
    }
    expect(decide(planning)).toMatchObject({
      slot: 'think',
      reason: 'harder thinking asked for: plan mode',
    })
    const calm = { ...fullRouter, thinkTriggers: { effort: 'never', planMode: false } }
    expect(decide(planning, { router: calm }).slot).toBe('default')
    expect(decide(withEffort('max'), { router: calm }).slot).toBe('default')
  })
})

describe('long context', () => {
  test('by the estimate, and for the rest of a session that went long', () => {
    expect(decide(turn, { tokens: 70000 })).toMatchObject({
      slot: 'longContext',
      reason: 'about 70000 input tokens, above 60000',
    })
    const sessions = createSessionMemory()
    const headers = { 'x-claude-code-session-id': 'session-1' }
    expect(decide(turn, { sessions, headers }).slot).toBe('default')
    sessions.record('session-1', 64000)
    expect(decide(turn, { sessions, headers })).toMatchObject({
      slot: 'longContext',
      reason: 'this session already used 64000 input tokens, above 60000',
    })
    // The session id also comes from metadata.user_id, as Claude Code sends it.
    const fromMetadata = {
      ...turn,
      metadata: {
        user_id: JSON.stringify({ device_id: 'd', account_uuid: '', session_id: 'session-1' }),
      },
    }
    expect(decide(fromMetadata, { sessions }).slot).toBe('longContext')
  })
})

describe('context windows', () => {
  test("a request bigger than the chosen model's window goes to longContext", () => {
    const router = { ...fullRouter, default: 'main,small-window', longContextThreshold: 500000 }
    const windowed = [
      ...providers,
      {
        name: 'main',
        api_base_url: 'https://main.test/v1/chat/completions',
        models: [{ id: 'small-window', context_window: 32000 }],
      },
    ]
    const active = activeConfig({ Providers: windowed.slice(1), Router: router })
    const facts = collectFacts({
      request: turn,
      headers: new Headers(),
      tokenEstimate: 40000,
      sessions: createSessionMemory(),
      triggers: active.config.Router.thinkTriggers,
      project: undefined,
      subagentModel: undefined,
    })
    expect(route(facts, active)).toMatchObject({
      slot: 'longContext',
      reason:
        'about 40000 input tokens, more than main,small-window holds (32000); it would have gone there by default',
    })
    expect(route({ ...facts, tokenEstimate: 20000 }, active).slot).toBe('default')
  })
})

describe('web search, images, subagents, explicit, aliases', () => {
  test('the web-search server tool', () => {
    const searching = {
      ...turn,
      tools: [
        ...(turn.tools ?? []),
        { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
      ],
    }
    expect(decide(searching)).toMatchObject({ slot: 'webSearch', candidates: ['web,search'] })
  })

  test('an image the chosen model cannot see', () => {
    const image = {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
    }
    const screenshot: MessagesRequest = {
      ...turn,
      messages: [
        ...turn.messages,
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [image] }] },
      ],
    }
    expect(decide(screenshot).slot).toBe('default')
    expect(decide(screenshot, { router: { ...fullRouter, default: 'main,blind' } })).toEqual({
      slot: 'image',
      reason:
        'an image in the latest turn, which main,blind cannot see ("vision": false); it would have gone there by default',
      candidates: ['eyes,vision'],
    })
  })

  test('a subagent tag anywhere in the system prompt or the first user message', () => {
    const system = turn.system as { type: string; text: string }[]
    const tagged = system.map((block, index) =>
      index === 2
        ? {
            ...block,
            text: `<CCR-SUBAGENT-MODEL>deep,reasoner</CCR-SUBAGENT-MODEL>\n${block.text}`,
          }
        : block,
    )
    const inSystem: MessagesRequest = { ...turn, system: tagged }
    expect(decide(inSystem)).toMatchObject({ slot: 'subagent', candidates: ['deep,reasoner'] })
    const stripped = extractSubagentTag(inSystem)
    expect(JSON.stringify(stripped?.request)).not.toContain('CCR-SUBAGENT-MODEL')
    expect(stripped?.request.system).toEqual(turn.system)

    const inUser: MessagesRequest = {
      ...turn,
      messages: [
        {
          role: 'user',
          content: 'Review this. <CCR-SUBAGENT-MODEL>cheap,small</CCR-SUBAGENT-MODEL>',
        },
        ...turn.messages.slice(1),
      ],
    }
    expect(decide(inUser)).toMatchObject({ slot: 'subagent', candidates: ['cheap,small'] })
    expect(extractSubagentTag(inUser)?.request.messages[0]?.content).toBe('Review this. ')
  })

  test('an explicit provider,model beats every rule; an unknown provider is an error', () => {
    expect(decide({ ...turn, model: 'long,wide', output_config: { effort: 'max' } })).toEqual({
      slot: 'explicit',
      reason: 'the request asked for "long,wide"',
      candidates: ['long,wide'],
    })
    expect(() => decide({ ...turn, model: 'nowhere,x' })).toThrow(
      'ccr has no provider named "nowhere"',
    )
  })

  test('aliases map Claude model names, with *', () => {
    const router = {
      ...fullRouter,
      aliases: { 'claude-sonnet-4-5*': ['deep,reasoner', 'main,big'] },
    }
    expect(decide({ ...turn, model: 'claude-sonnet-4-5-20250929' }, { router })).toEqual({
      slot: 'alias',
      reason: 'Router.aliases maps "claude-sonnet-4-5-20250929" (as "claude-sonnet-4-5*")',
      candidates: ['deep,reasoner', 'main,big'],
    })
    expect(decide({ ...turn, model: 'claude-sonnet-5-5' }, { router }).slot).toBe('default')
  })

  test("the custom router's answer comes first", () => {
    expect(decide(turn, { custom: 'long,wide' })).toMatchObject({
      slot: 'custom',
      reason: 'the custom router chose "long,wide"',
    })
  })
})

describe('fallback chains', () => {
  test("a list in Router, then CCR v2's fallback key, without repeats", () => {
    const router = { ...fullRouter, default: ['main,big', 'cheap,small'] }
    const fallback = { default: ['cheap,small', 'long,wide'], explicit: ['main,big'] }
    expect(decide(turn, { router, fallback }).candidates).toEqual([
      'main,big',
      'cheap,small',
      'long,wide',
    ])
    expect(decide({ ...turn, model: 'deep,reasoner' }, { router, fallback }).candidates).toEqual([
      'deep,reasoner',
      'main,big',
    ])
  })
})
