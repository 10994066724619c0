import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { ConfigError } from '../../src/lib/errors.ts'

const file = '/home/user/.claude-code-router/config.json'

function problemsOf(text: string, env: Record<string, string> = {}) {
  try {
    parseConfig(text, { file, env })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected the config to be rejected')
}

/** A CCR v1/v2 config using every key of the reference (§2), as users have them. */
const ccrConfig = `{
  // claude-code-router v1 config, JSON5 with comments and trailing commas
  "PORT": 3456,
  "HOST": "127.0.0.1",
  "APIKEY": "$CCR_TEST_APIKEY",
  "PROXY_URL": "http://127.0.0.1:7890",
  "LOG": true,
  "LOG_LEVEL": "debug",
  "API_TIMEOUT_MS": 600000,
  "NON_INTERACTIVE_MODE": false,
  "CUSTOM_ROUTER_PATH": "/home/user/.claude-code-router/custom-router.js",
  "REWRITE_SYSTEM_PROMPT": "/home/user/prompt.txt",
  "CLAUDE_PATH": "/usr/local/bin/claude",
  "ANTHROPIC_SMALL_FAST_MODEL": "ollama,qwen2.5-coder:latest",
  "forceUseImageAgent": false,
  "OPENAI_API_KEY": "",
  "Providers": [
    {
      "name": "deepseek",
      "api_base_url": "https://api.deepseek.com/chat/completions",
      "api_key": "\${DEEPSEEK_API_KEY}",
      "models": ["deepseek-chat", "deepseek-reasoner"],
      "transformer": { "use": ["deepseek"], "deepseek-chat": { "use": ["tooluse"] } },
    },
    {
      "name": "openrouter",
      "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
      "api_key": "sk-or-test",
      "models": ["google/gemini-2.5-pro-preview"],
      "transformer": { "use": [["openrouter", { "provider": { "only": ["google-vertex"] } }]] },
    },
    {
      "name": "glm",
      "api_base_url": "https://open.bigmodel.cn/api/anthropic/v1/messages",
      "api_key": "glm-key",
      "models": ["glm-4.6"],
      "transformer": { "use": ["Anthropic"] },
    },
    { "name": "ollama", "api_base_url": "http://localhost:11434/v1/chat/completions", "api_key": "ollama", "models": ["qwen2.5-coder:latest"] },
  ],
  "Router": {
    "default": "deepseek,deepseek-chat",
    "background": "ollama,qwen2.5-coder:latest",
    "think": "deepseek,deepseek-reasoner",
    "longContext": "openrouter,google/gemini-2.5-pro-preview",
    "longContextThreshold": 60000,
    "webSearch": "openrouter,google/gemini-2.5-pro-preview",
    "image": "glm,glm-4.6",
  },
  "fallback": { "default": ["openrouter,google/gemini-2.5-pro-preview"] },
  "transformers": [{ "path": "/home/user/.claude-code-router/plugins/gemini-cli.js", "options": { "project": "x" } }],
  "StatusLine": { "enabled": true, "currentStyle": "default", "default": { "modules": [] } },
  "plugins": [{ "name": "token-speed", "enabled": true }],
}`

describe('parseConfig', () => {
  test('accepts a CCR v1/v2 config unchanged, expanding variables', () => {
    const loaded = parseConfig(ccrConfig, {
      file,
      env: { DEEPSEEK_API_KEY: 'sk-deep', CCR_TEST_APIKEY: 'router-key' },
    })
    expect(loaded.config.APIKEY).toBe('router-key')
    expect(loaded.config.Providers.map((provider) => [provider.name, provider.api_key])).toEqual([
      ['deepseek', 'sk-deep'],
      ['openrouter', 'sk-or-test'],
      ['glm', 'glm-key'],
      ['ollama', 'ollama'],
    ])
    expect(loaded.config.Router.default).toBe('deepseek,deepseek-chat')
    expect(loaded.proxy).toBe('http://127.0.0.1:7890')
    expect(loaded.secrets).toEqual(['router-key', 'sk-deep', 'sk-or-test', 'glm-key', 'ollama'])
  })

  test('reports each key it does not act on yet, once, instead of ignoring it silently', () => {
    const loaded = parseConfig(ccrConfig, {
      file,
      env: { DEEPSEEK_API_KEY: 'k', CCR_TEST_APIKEY: 'k' },
    })
    expect(loaded.warnings).toEqual([
      'OPENAI_API_KEY is a pre-1.0 CCR key that nothing reads; put keys in Providers[].api_key',
      'plugins (CCR v2 token-speed plugin) is accepted but not used by this version',
      'REWRITE_SYSTEM_PROMPT is accepted but not used by this version',
      'forceUseImageAgent is accepted but not used by this version',
      'StatusLine is accepted but not used by this version',
    ])
  })

  test('fills defaults from the schema', () => {
    const loaded = parseConfig('{}', { file, env: {} })
    expect(loaded.config).toEqual({
      PORT: 3456,
      HOST: '127.0.0.1',
      APIKEY: '',
      LOG: true,
      LOG_LEVEL: 'info',
      API_TIMEOUT_MS: 600000,
      NON_INTERACTIVE_MODE: false,
      CUSTOM_ROUTER_TIMEOUT_MS: 1000,
      Providers: [],
      Router: {
        longContextThreshold: 60000,
        thinkTriggers: { effort: 'high', budgetTokens: 32000, planMode: true },
      },
      Cache: {
        enabled: false,
        ttlSeconds: 3600,
        maxEntries: 1000,
        maxMegabytes: 50,
        includeSampled: false,
        slots: {},
      },
    })
    expect(loaded.warnings).toEqual([])
  })

  test('accepts the lower-case providers key and numbers written as text', () => {
    const loaded = parseConfig(
      `{ PORT: "$PORT", providers: [{ name: "a", api_base_url: "https://a.test/v1/chat/completions" }] }`,
      { file, env: { PORT: '4000' } },
    )
    expect(loaded.config.PORT).toBe(4000)
    expect(loaded.config.Providers[0]?.name).toBe('a')
  })

  test('keeps an unset variable as written and says so', () => {
    const loaded = parseConfig(
      `{ Providers: [{ name: "a", api_base_url: "https://a.test/v1/chat/completions", api_key: "$MISSING_KEY" }] }`,
      { file, env: {} },
    )
    expect(loaded.config.Providers[0]?.api_key).toBe('$MISSING_KEY')
    expect(loaded.warnings).toEqual([
      'Providers[0].api_key: environment variable MISSING_KEY is not set; the text is kept as written',
    ])
  })

  test('api_key may be a list of keys, each from the environment; an empty list is refused', () => {
    const loaded = parseConfig(
      `{ Providers: [{ name: "a", api_base_url: "https://a.test/v1/chat/completions", api_key: ["$KEY_ONE", "sk-two-literal"] }] }`,
      { file, env: { KEY_ONE: 'sk-one-from-env' } },
    )
    expect(loaded.config.Providers[0]?.api_key).toEqual(['sk-one-from-env', 'sk-two-literal'])
    expect(
      problemsOf(
        `{ Providers: [{ name: "a", api_base_url: "https://a.test/v1/chat/completions", api_key: [] }] }`,
      ).map((problem) => problem.path),
    ).toEqual(['Providers[0].api_key'])
  })

  test('lists every problem by path, with a hint', () => {
    const problems = problemsOf(`{
      PORT: 70000,
      LOG_LEVEL: "loud",
      Providers: [
        { name: "a", api_base_url: "https://a.test/v1/chat/completions" },
        { name: "b", api_base_url: "https://b.test/v1/chat/completions", api_key: { value: 1 } },
        { name: "deepseek", api_base_url: "deepseek" },
        { name: "A", api_base_url: "https://c.test" },
        { api_base_url: "https://d.test" },
      ],
      Router: { default: "nowhere,model", think: "deepseek" },
    }`)
    expect(problems).toEqual([
      {
        path: 'PORT',
        message: 'expected at most 65535, got 70000',
        hint: 'an integer from 1 to 65535',
      },
      {
        path: 'LOG_LEVEL',
        message: 'expected one of fatal, error, warn, info, debug, trace, got "loud"',
      },
      {
        path: 'Providers[1].api_key',
        message:
          'expected a key, or a list of keys, e.g. ["$KEY_1", "$KEY_2"], got a value that is hidden here',
      },
      {
        path: 'Providers[2].api_base_url',
        message: 'expected a URL, got "deepseek"',
        hint: 'the full endpoint URL, e.g. "https://api.deepseek.com/chat/completions"',
      },
      {
        path: 'Providers[4].name',
        message: 'is required',
        hint: 'a short id without commas, e.g. "deepseek"',
      },
      {
        path: 'Router.think',
        message:
          'expected a "<provider>,<model>" reference, e.g. "deepseek,deepseek-chat", or a list of them (the first serves, the rest are fallbacks), got "deepseek"',
      },
      {
        path: 'Providers[3].name',
        message: '"A" is already the name of Providers[0]',
        hint: 'provider names must be unique (ignoring case)',
      },
      {
        path: 'Router.default',
        message: 'no provider is named "nowhere"',
        hint: 'known providers: a, b, deepseek',
      },
    ])
  })

  test('reports JSON5 syntax errors with line and column', () => {
    expect(problemsOf('{\n  PORT: 3456,\n  HOST: "x"\n  LOG: true\n}')).toEqual([
      {
        path: '',
        message: "not valid JSON5: invalid character 'L' at 4:3",
        hint: 'JSON with comments and trailing commas is fine',
      },
    ])
    expect(problemsOf('[1, 2]')).toEqual([
      { path: '', message: 'expected an object at the top level' },
    ])
  })

  test('formats problems for the terminal', () => {
    try {
      parseConfig('{ Providers: [{ name: "x", api_base_url: "nope" }] }', { file, env: {} })
      throw new Error('expected a ConfigError')
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      expect(error.message).toBe(`${file}: 1 problem`)
      expect(error.details()).toBe(
        '  Providers[0].api_base_url: expected a URL, got "nope"\n' +
          '    hint: the full endpoint URL, e.g. "https://api.deepseek.com/chat/completions"',
      )
    }
  })

  test('takes the proxy from HTTPS_PROXY-style keys before PROXY_URL, as CCR did', () => {
    const loaded = parseConfig(
      '{ https_proxy: "http://proxy.test:3128", PROXY_URL: "http://other.test:1" }',
      { file, env: {} },
    )
    expect(loaded.proxy).toBe('http://proxy.test:3128')
  })
})
