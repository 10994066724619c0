import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * The config file, `config.json` under the ccr home. This schema is the single source of the
 * config's type, its defaults and its documentation (the README's config reference is
 * generated from it by `bun run docs`).
 *
 * Keys keep the names of claude-code-router v1/v2, so an existing config works unchanged.
 * Extra schema options used here:
 * - `hint`: what to write instead, shown next to a validation error.
 * - `inactive`: the key is accepted but this version does not act on it yet; loading a config
 *   that sets it logs this text once as a warning.
 */

export const LogLevel = Type.Union(
  [
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
  ],
  {
    description: 'Lowest level written to the log. `trace` also logs request and response bodies.',
    hint: 'one of fatal, error, warn, info, debug, trace',
    default: 'info',
  },
)
export type LogLevel = Static<typeof LogLevel>

const TransformerRef = Type.Union([
  Type.String(),
  Type.Tuple([Type.String(), Type.Record(Type.String(), Type.Unknown())]),
])

const TransformerChain = Type.Object(
  { use: Type.Optional(Type.Array(TransformerRef)) },
  { additionalProperties: true },
)

/** Wire protocols a provider can speak. */
export const ProviderProtocol = Type.Union(
  [Type.Literal('anthropic'), Type.Literal('openai'), Type.Literal('responses')],
  {
    description:
      'The API the provider speaks: `anthropic` (Messages), `openai` (Chat Completions) or ' +
      "`responses` (OpenAI's Responses API, the only one its codex models speak). When absent it " +
      'is inferred: a CCR `transformer.use` of `Anthropic`, or a URL ending in `/messages` or ' +
      'containing `/anthropic`, means `anthropic`; a URL ending in `/responses` means ' +
      '`responses`; anything else is `openai`.',
    hint: 'one of anthropic, openai, responses',
  },
)
export type ProviderProtocol = Static<typeof ProviderProtocol>

/** How a model is asked to reason, when Claude Code asks for thinking. */
export const ReasoningControl = Type.Union(
  [
    Type.Literal('none'),
    Type.Literal('reasoning_effort'),
    Type.Literal('openrouter'),
    Type.Literal('enable_thinking'),
  ],
  {
    description:
      '`reasoning_effort` (OpenAI o-series and GPT-5, Groq, Ollama, vLLM), `openrouter` ' +
      '(`reasoning: { max_tokens | effort }`), `enable_thinking` (Qwen, DashScope, SiliconFlow), ' +
      '`none` (the model has no switch: thinking settings are dropped with a warning). When absent ' +
      'it is inferred from the host and model name.',
    hint: 'one of none, reasoning_effort, openrouter, enable_thinking',
  },
)
export type ReasoningControl = Static<typeof ReasoningControl>

/** A model with what ccr should know about it; a plain string means "nothing special". */
export const ModelEntry = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "The provider's model id." }),
    max_output_tokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Output limit: a larger `max_tokens` is capped to it.',
      }),
    ),
    context_window: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Context window in tokens (else the models.dev catalog). A request larger than it goes ' +
          "to `longContext`; `ccr code` has Claude Code compact within `Router.default`'s (or " +
          "`longContext`'s, if larger).",
      }),
    ),
    reasoning: Type.Optional(ReasoningControl),
    vision: Type.Optional(
      Type.Boolean({ description: 'Whether the model accepts images (default true).' }),
    ),
    price: Type.Optional(
      Type.Object(
        {
          input: Type.Number({ minimum: 0 }),
          output: Type.Number({ minimum: 0 }),
          cache_read: Type.Optional(Type.Number({ minimum: 0 })),
          cache_write: Type.Optional(Type.Number({ minimum: 0 })),
        },
        {
          additionalProperties: true,
          description:
            'USD per million tokens, over the built-in price table. Local servers cost 0 without it.',
        },
      ),
    ),
    documents: Type.Optional(
      Type.Boolean({
        description: 'Whether the model accepts PDF files as `file` parts (default false).',
      }),
    ),
    reasoning_summary: Type.Optional(
      Type.Boolean({
        description:
          'For a Responses API model: ask for reasoning summaries, which Claude Code shows as ' +
          'thinking. OpenAI gives them only to verified organisations, and refuses the request ' +
          'otherwise (default false).',
      }),
    ),
    cache_control: Type.Optional(
      Type.Boolean({
        description:
          "Whether Claude Code's prompt-cache marks go to this OpenAI-compatible model as " +
          "`cache_control` on text parts (default: true for OpenRouter's `anthropic/` and " +
          '`google/` models; set it for a LiteLLM or other gateway to Claude).',
      }),
    ),
  },
  { additionalProperties: true },
)
export type ModelEntry = Static<typeof ModelEntry>

export const ProviderConfig = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      pattern: '^[^,]+$',
      description:
        'Unique id, used in model references `"<name>,<model>"` (matched case-insensitively).',
      hint: 'a short id without commas, e.g. "deepseek"',
    }),
    api_base_url: Type.String({
      format: 'uri',
      description:
        'The endpoint URL, e.g. `https://api.deepseek.com/chat/completions`. For an Anthropic ' +
        'provider a base such as `https://api.deepseek.com/anthropic` also works: `/v1/messages` ' +
        'is appended when the path does not end in `/messages`.',
      hint: 'the full endpoint URL, e.g. "https://api.deepseek.com/chat/completions"',
    }),
    api_key: Type.Union(
      [Type.String(), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })],
      {
        default: '',
        description:
          'The provider\'s key, usually written as `"$DEEPSEEK_API_KEY"`. Empty for keyless local ' +
          'servers (unlike CCR, a provider without a key is not skipped). A list of keys is used ' +
          'in turn, one request each; a key the provider rate-limits (429) or rejects (401, 403) ' +
          'rests (see Fallback) and the request goes on with the next key.',
        hint: 'a key, or a list of keys, e.g. ["$KEY_1", "$KEY_2"]',
      },
    ),
    models: Type.Array(Type.Union([Type.String({ minLength: 1 }), ModelEntry]), {
      default: [],
      description:
        'Model ids this provider serves, each a string or an object with limits and capabilities ' +
        '(`{ "id": "deepseek-chat", "max_output_tokens": 8192 }`). The first is used when a route ' +
        'names only the provider.',
      hint: 'a list of model ids or { "id": ... } objects',
    }),
    protocol: Type.Optional(ProviderProtocol),
    proxy: Type.Optional(
      Type.Union([Type.Literal(''), Type.String({ format: 'uri' })], {
        description:
          'This provider\'s outbound proxy, in place of `PROXY_URL` (or `HTTPS_PROXY`); `""` ' +
          'reaches it directly, e.g. a local or domestic provider while the rest go through a proxy.',
        hint: 'a proxy URL such as "http://127.0.0.1:7890", or "" for none',
      }),
    ),
    auth: Type.Optional(
      Type.Union([Type.Literal('x-api-key'), Type.Literal('bearer')], {
        description:
          'How the key is sent to an Anthropic provider: `x-api-key` (default) or ' +
          '`Authorization: Bearer`. OpenAI providers always use Bearer.',
        hint: 'one of x-api-key, bearer',
      }),
    ),
    transformer: Type.Optional(
      Type.Object(
        { use: Type.Optional(Type.Array(TransformerRef)) },
        {
          additionalProperties: TransformerChain,
          description:
            'CCR transformer chain (`{ "use": [...], "<model>": { "use": [...] } }`): plugins by ' +
            'name, `["name", { options }]` for options; a model\'s chain runs after the ' +
            'provider\'s. `Anthropic` selects the Anthropic protocol (`["Anthropic", { "UseBearer": ' +
            'true }]` selects Bearer auth). A name no plugin has is reported when the config loads.',
        },
      ),
    ),
  },
  { additionalProperties: true },
)
export type ProviderConfig = Static<typeof ProviderConfig>

const modelRefHint = 'a "<provider>,<model>" reference, e.g. "deepseek,deepseek-chat"'

/** One `"<provider>,<model>"` reference. */
export const ModelRef = Type.String({ pattern: '^[^,]+,.+$', hint: modelRefHint })

/** A route: one reference, or a list whose first entry serves and the rest are fallbacks in order. */
export const RouteRef = Type.Union([ModelRef, Type.Array(ModelRef, { minItems: 1 })], {
  hint: `${modelRefHint}, or a list of them (the first serves, the rest are fallbacks)`,
})
export type RouteRef = Static<typeof RouteRef>

const Slot = (description: string) =>
  Type.Optional(Type.Union(RouteRef.anyOf, { description, hint: RouteRef.hint }))

const Effort = Type.Union(
  [
    Type.Literal('low'),
    Type.Literal('medium'),
    Type.Literal('high'),
    Type.Literal('xhigh'),
    Type.Literal('max'),
  ],
  { hint: 'one of low, medium, high, xhigh, max' },
)

/** When a request counts as "the user asked for harder thinking" (the `think` slot). */
export const ThinkTriggers = Type.Object(
  {
    effort: Type.Union([Effort, Type.Literal('never')], {
      default: 'high',
      description:
        '`output_config.effort` at or above this level counts (`/effort`, and `ultrathink`, which ' +
        "Claude Code sends as `xhigh`), except Claude Code's own default for the model: `medium` " +
        'for Claude models, `high` for other names. `never` turns this off.',
      hint: 'one of low, medium, high, xhigh, max, never',
    }),
    budgetTokens: Type.Integer({
      minimum: 1,
      default: 32000,
      description:
        'An explicit `thinking.budget_tokens` at or above this counts. Claude Code sends 31999 on ' +
        'every turn of older models, so the default only catches larger, deliberate budgets.',
    }),
    planMode: Type.Boolean({
      default: true,
      description:
        'Claude Code\'s plan mode ("Plan mode is active" in the latest user turn) counts.',
    }),
  },
  { additionalProperties: true, default: {} },
)
export type ThinkTriggers = Static<typeof ThinkTriggers>

export const RouterConfig = Type.Object(
  {
    default: Slot('Where requests go unless a rule says otherwise.'),
    background: Slot(
      "Claude Code's small background calls: session titles and the like. `ccr code` marks them " +
        '(the haiku/small-fast model becomes `ccr-background`); for a plain `claude`, a model name ' +
        'containing `haiku`, or a request with no tools asking for JSON-schema output, counts.',
    ),
    think: Slot('Turns where the user asked for harder thinking (see `thinkTriggers`).'),
    thinkTriggers: ThinkTriggers,
    longContext: Slot(
      'Requests whose token estimate is above `longContextThreshold`, and every later request of ' +
        'a session whose provider-reported input went above it (a session that went long stays long).',
    ),
    longContextThreshold: Type.Integer({
      minimum: 1,
      default: 60000,
      description: 'Token estimate above which `longContext` applies.',
    }),
    webSearch: Slot(
      "Requests that carry Anthropic's web-search server tool (`web_search_*`): Claude Code's " +
        'WebSearch tool. Set it to a model that searches; without it, a search that would reach ' +
        'a Chat Completions model is refused rather than answered from memory (Anthropic and ' +
        'Responses API models search by themselves).',
    ),
    image: Slot(
      'Requests with an image in the latest user turn (tool results included) when the model ' +
        'chosen otherwise has `"vision": false` in its model entry.',
    ),
    aliases: Type.Optional(
      Type.Record(Type.String(), RouteRef, {
        description:
          'Claude model names mapped to routes, e.g. `{ "claude-sonnet-4-5*": "deepseek,deepseek-chat" }` ' +
          '(`*` matches anything). Applies to `--model`, `/model` and `ANTHROPIC_MODEL` values.',
      }),
    ),
  },
  {
    additionalProperties: true,
    default: {},
    description: 'Which `"<provider>,<model>"` serves which kind of request.',
  },
)
export type RouterConfig = Static<typeof RouterConfig>

const CacheSettings = {
  enabled: Type.Optional(Type.Boolean({ description: 'Whether answers are cached.' })),
  ttlSeconds: Type.Optional(
    Type.Integer({ minimum: 1, description: 'How long an answer stays usable.' }),
  ),
}

/** The exact-match response cache. */
export const CacheConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Off unless enabled.' }),
    ttlSeconds: Type.Integer({
      minimum: 1,
      default: 3600,
      description: 'How long an answer stays usable.',
    }),
    maxEntries: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'Beyond this, the least recently used answers go.',
    }),
    maxMegabytes: Type.Number({
      minimum: 0,
      default: 50,
      description: 'Beyond this size, the least recently used answers go.',
    }),
    includeSampled: Type.Boolean({
      default: false,
      description:
        'Also cache requests that sample at random (a `temperature` above 0, or none given, which ' +
        "means the provider's default; Claude Code never sets one). Off: only `temperature: 0` is cached.",
    }),
    slots: Type.Record(Type.String(), Type.Object(CacheSettings, { additionalProperties: true }), {
      default: {},
      description:
        'Per routing slot (`background`, `default`, …): `{ "enabled": …, "ttlSeconds": … }` over the global settings.',
    }),
  },
  {
    additionalProperties: true,
    default: {},
    description: 'The response cache, in the SQLite store.',
  },
)
export type CacheConfig = Static<typeof CacheConfig>

const BudgetLimits = {
  daily: Type.Optional(
    Type.Number({ minimum: 0, description: 'USD per day (local midnight to midnight).' }),
  ),
  monthly: Type.Optional(Type.Number({ minimum: 0, description: 'USD per calendar month.' })),
}

/** Spending limits, counted from the ledger. */
export const BudgetsConfig = Type.Object(
  {
    ...BudgetLimits,
    projects: Type.Record(
      Type.String(),
      Type.Object(BudgetLimits, { additionalProperties: true }),
      {
        default: {},
        description:
          'Per project directory (absolute path, as `ccr code` reports it): its own daily and monthly limits.',
      },
    ),
    onExceed: Type.Union([Type.Literal('refuse'), ModelRef], {
      default: 'refuse',
      description:
        'At 100%: `refuse` with an error that names the limit and when it resets, or a cheaper `"<provider>,<model>"` to switch to.',
      hint: '"refuse" or a "<provider>,<model>" reference',
    }),
  },
  {
    additionalProperties: true,
    description:
      'At 80% of a limit ccr warns (log and `x-ccr-budget` header); at 100% it does what `onExceed` says.',
  },
)
export type BudgetsConfig = Static<typeof BudgetsConfig>

export const Config = Type.Object(
  {
    PORT: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 3456,
      description: 'Port the router listens on.',
      hint: 'an integer from 1 to 65535',
    }),
    HOST: Type.String({
      default: '127.0.0.1',
      description:
        'Address to listen on. Anything other than a loopback address requires `APIKEY`, and ' +
        'ccr refuses to start without it.',
    }),
    APIKEY: Type.String({
      default: '',
      description:
        'Shared secret clients must send as `x-api-key` or `Authorization: Bearer`. `ccr code` ' +
        'passes it to Claude Code. Empty: no authentication (loopback only).',
    }),
    PROXY_URL: Type.Optional(
      Type.String({
        format: 'uri',
        description:
          'HTTP(S) proxy for calls to providers, e.g. `http://127.0.0.1:7890`. ' +
          "A provider's own `proxy` takes its place for that provider.",
        hint: 'a proxy URL, e.g. "http://127.0.0.1:7890"',
      }),
    ),
    LOG: Type.Boolean({ default: true, description: 'Write the log file under `logs/`.' }),
    LOG_LEVEL: LogLevel,
    API_TIMEOUT_MS: Type.Integer({
      minimum: 1,
      default: 600000,
      description:
        'Milliseconds a provider may stay silent: before it starts answering, and within an ' +
        'answer (a dead connection). Also given to Claude Code as `API_TIMEOUT_MS` by `ccr code`.',
    }),
    NON_INTERACTIVE_MODE: Type.Boolean({
      default: false,
      description:
        'For CI and containers: `ccr code` runs Claude Code with `CI=true`, no colours and a ' +
        'closed stdin.',
    }),
    CLAUDE_PATH: Type.Optional(
      Type.String({
        description: 'Claude Code executable for `ccr code` (default: `claude` on `PATH`).',
      }),
    ),
    ANTHROPIC_SMALL_FAST_MODEL: Type.Optional(
      Type.String({
        description: 'Passed to Claude Code as `ANTHROPIC_SMALL_FAST_MODEL` by `ccr code`.',
      }),
    ),
    CUSTOM_ROUTER_PATH: Type.Optional(
      Type.String({
        description:
          'A JS or TS module whose default export picks a route: `(input, config) => "<provider>,<model>" | null`. ' +
          'Reloaded when the file changes; if it throws, times out or answers nonsense, the built-in rules decide.',
      }),
    ),
    CUSTOM_ROUTER_TIMEOUT_MS: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'How long the custom router may take before the built-in rules decide.',
    }),
    REWRITE_SYSTEM_PROMPT: Type.Optional(
      Type.String({
        description: "Path to a text file replacing Claude Code's main system prompt (CCR v1).",
        inactive: 'REWRITE_SYSTEM_PROMPT is accepted but not used by this version',
      }),
    ),
    forceUseImageAgent: Type.Optional(
      Type.Boolean({
        description: "CCR v1's image agent switch.",
        inactive: 'forceUseImageAgent is accepted but not used by this version',
      }),
    ),
    Providers: Type.Array(ProviderConfig, {
      default: [],
      description: 'The model providers. `providers` (lower case) is accepted too.',
    }),
    Router: RouterConfig,
    fallback: Type.Optional(
      Type.Record(Type.String(), Type.Array(ModelRef), {
        description:
          "CCR v2's fallbacks: per slot (`default`, `background`, `think`, `longContext`, `webSearch`, " +
          '`image`, `explicit`), the `"<provider>,<model>"` candidates to try, in order, when the ' +
          'chosen one fails before answering (unreachable, timeout, 408, 429, 5xx). A slot written as ' +
          'a list in `Router` has its fallbacks there too.',
      }),
    ),
    Cache: CacheConfig,
    Budgets: Type.Optional(BudgetsConfig),
    transformers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.String({ minLength: 1 }),
            options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: true },
        ),
        {
          description:
            "Plugin modules outside the plugins folder, or a folder plugin's options (CCR custom " +
            'transformers: `[{ "path": "...", "options": {...} }]`); a relative path is taken from ' +
            'the ccr home. Providers apply plugins by name in `transformer.use` (see Plugins).',
          hint: 'a list of { "path": "/abs/plugin.js", "options": { ... } }',
        },
      ),
    ),
    StatusLine: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description: "CCR's Claude Code status line settings.",
          inactive: 'StatusLine is accepted but not used by this version',
        },
      ),
    ),
  },
  { additionalProperties: true },
)
export type Config = Static<typeof Config>

/**
 * Keys CCR accepted that mean nothing to any version: reported as ignored, not as unknown.
 * `HTTPS_PROXY` and friends are read by CCR's llms layer as the proxy, and so by ccr.
 */
export const legacyKeys: Record<string, string> = {
  OPENAI_API_KEY:
    'OPENAI_API_KEY is a pre-1.0 CCR key that nothing reads; put keys in Providers[].api_key',
  OPENAI_BASE_URL:
    'OPENAI_BASE_URL is a pre-1.0 CCR key that nothing reads; use Providers[].api_base_url',
  OPENAI_MODEL: 'OPENAI_MODEL is a pre-1.0 CCR key that nothing reads; use Router.default',
  LOG_FILE: "LOG_FILE is ignored: logs are written under the ccr home's logs/ folder",
  plugins: 'plugins (CCR v2 token-speed plugin) is accepted but not used by this version',
  Plugins: 'Plugins (CCR v2 token-speed plugin) is accepted but not used by this version',
}

/** Keys read as the outbound proxy, in CCR's order of precedence, before `PROXY_URL`. */
export const proxyKeys = ['HTTPS_PROXY', 'https_proxy', 'httpsProxy'] as const

/** The top-level keys the schema knows, for the unknown-key warning. */
export function knownKeys(schema: TSchema = Config): Set<string> {
  const properties: Record<string, unknown> = schema.properties ?? {}
  return new Set([
    ...Object.keys(properties),
    ...Object.keys(legacyKeys),
    ...proxyKeys,
    'providers',
  ])
}
