import { Type, type TProperties, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'

/**
 * A strict validator for OpenAI Chat Completions requests, stricter than any one provider: the
 * documented request fields only (`additionalProperties: false` everywhere), plus the ordering
 * rules strict providers enforce (every tool call answered right away, no stray tool message).
 * Tests use it on converted bodies and inside fake upstreams.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

export interface StrictOpenAIOptions {
  /**
   * Accept the vendor extensions ccr sends to some providers: `reasoning` (OpenRouter),
   * `enable_thinking` / `thinking_budget` (Qwen), assistant `reasoning_content` (DeepSeek),
   * `cache_control` on text parts and assistant `reasoning_details` (OpenRouter).
   */
  vendorExtensions?: boolean
}

const Closed = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: false })
const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]))
const NonEmpty = Type.String({ minLength: 1 })
const Effort = Type.Union(
  ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'].map((level) => Type.Literal(level)),
)

const TextPart = Closed({ type: Type.Literal('text'), text: NonEmpty })
const MarkedTextPart = Closed({
  type: Type.Literal('text'),
  text: NonEmpty,
  cache_control: Type.Optional(
    Closed({ type: Type.Literal('ephemeral'), ttl: Type.Optional(Type.String()) }),
  ),
})
const ImagePart = Closed({
  type: Type.Literal('image_url'),
  image_url: Closed({
    url: Type.String({ pattern: '^(https?://|data:image/[a-z0-9.+-]+;base64,)' }),
    detail: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')]),
    ),
  }),
})
const AudioPart = Closed({
  type: Type.Literal('input_audio'),
  input_audio: Closed({
    data: NonEmpty,
    format: Type.Union([Type.Literal('wav'), Type.Literal('mp3')]),
  }),
})
const FilePart = Closed({
  type: Type.Literal('file'),
  file: Closed({
    filename: Type.Optional(NonEmpty),
    file_data: Type.Optional(Type.String({ pattern: '^data:[a-z]+/[a-z0-9.+-]+;base64,' })),
    file_id: Type.Optional(NonEmpty),
  }),
})
const RefusalPart = Closed({ type: Type.Literal('refusal'), refusal: NonEmpty })

const toolName = '^[a-zA-Z0-9_-]{1,64}$'
const ToolCall = Closed({
  id: NonEmpty,
  type: Type.Literal('function'),
  function: Closed({ name: Type.String({ pattern: toolName }), arguments: Type.String() }),
})

const Name = Type.Optional(NonEmpty)

function messageSchema(vendorExtensions: boolean) {
  const Text = vendorExtensions ? MarkedTextPart : TextPart
  const textContent = Type.Union([NonEmpty, Type.Array(Text, { minItems: 1 })])
  const assistant = {
    role: Type.Literal('assistant'),
    content: Nullable(
      Type.Union([NonEmpty, Type.Array(Type.Union([TextPart, RefusalPart]), { minItems: 1 })]),
    ),
    tool_calls: Type.Optional(Type.Array(ToolCall, { minItems: 1 })),
    refusal: Nullable(Type.String()),
    audio: Nullable(Closed({ id: NonEmpty })),
    name: Name,
  }
  return Type.Union([
    Closed({ role: Type.Literal('system'), content: textContent, name: Name }),
    Closed({ role: Type.Literal('developer'), content: textContent, name: Name }),
    Closed({
      role: Type.Literal('user'),
      content: Type.Union([
        NonEmpty,
        Type.Array(Type.Union([Text, ImagePart, AudioPart, FilePart]), { minItems: 1 }),
      ]),
      name: Name,
    }),
    vendorExtensions
      ? Closed({
          ...assistant,
          reasoning_content: Type.Optional(Type.String()),
          reasoning_details: Type.Optional(
            Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true })),
          ),
        })
      : Closed(assistant),
    Closed({ role: Type.Literal('tool'), tool_call_id: NonEmpty, content: textContent }),
  ])
}

const FunctionTool = Closed({
  type: Type.Literal('function'),
  function: Closed({
    name: Type.String({ pattern: toolName }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(
      Type.Object({ type: Type.Literal('object') }, { additionalProperties: true }),
    ),
    strict: Nullable(Type.Boolean()),
  }),
})

const ToolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Closed({
    type: Type.Literal('function'),
    function: Closed({ name: Type.String({ pattern: toolName }) }),
  }),
])

/** Fields ccr never sends are still documented ones: accepted with their basic shape. */
function requestSchema(vendorExtensions: boolean) {
  const Any = Type.Unknown()
  const properties = {
    model: NonEmpty,
    messages: Type.Array(messageSchema(vendorExtensions), { minItems: 1 }),
    audio: Nullable(Any),
    frequency_penalty: Nullable(Type.Number({ minimum: -2, maximum: 2 })),
    logit_bias: Nullable(Type.Record(Type.String(), Type.Number())),
    logprobs: Nullable(Type.Boolean()),
    max_completion_tokens: Nullable(Type.Integer({ minimum: 1 })),
    max_tokens: Nullable(Type.Integer({ minimum: 1 })),
    metadata: Nullable(Type.Record(Type.String(), Type.String())),
    modalities: Nullable(Type.Array(Type.Union([Type.Literal('text'), Type.Literal('audio')]))),
    n: Nullable(Type.Integer({ minimum: 1 })),
    parallel_tool_calls: Type.Optional(Type.Boolean()),
    prediction: Nullable(Any),
    presence_penalty: Nullable(Type.Number({ minimum: -2, maximum: 2 })),
    prompt_cache_key: Nullable(Type.String()),
    prompt_cache_retention: Nullable(Type.String()),
    reasoning_effort: Nullable(Effort),
    response_format: Type.Optional(Type.Object({ type: NonEmpty }, { additionalProperties: true })),
    safety_identifier: Nullable(Type.String({ maxLength: 64 })),
    seed: Nullable(Type.Integer()),
    service_tier: Nullable(Type.String()),
    stop: Nullable(Type.Union([NonEmpty, Type.Array(NonEmpty, { minItems: 1, maxItems: 4 })])),
    store: Nullable(Type.Boolean()),
    stream: Nullable(Type.Boolean()),
    stream_options: Nullable(
      Closed({
        include_usage: Type.Optional(Type.Boolean()),
        include_obfuscation: Type.Optional(Type.Boolean()),
      }),
    ),
    temperature: Nullable(Type.Number({ minimum: 0, maximum: 2 })),
    tool_choice: Type.Optional(ToolChoice),
    tools: Type.Optional(Type.Array(FunctionTool)),
    top_logprobs: Nullable(Type.Integer({ minimum: 0, maximum: 20 })),
    top_p: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    user: Type.Optional(Type.String()),
    verbosity: Nullable(Type.String()),
    web_search_options: Type.Optional(Any),
  }
  if (!vendorExtensions) return Closed(properties)
  return Closed({
    ...properties,
    reasoning: Type.Optional(
      Closed({
        effort: Type.Optional(Effort),
        max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
        enabled: Type.Optional(Type.Boolean()),
        exclude: Type.Optional(Type.Boolean()),
      }),
    ),
    enable_thinking: Type.Optional(Type.Boolean()),
    thinking_budget: Type.Optional(Type.Integer({ minimum: 1 })),
  })
}

const strictCheck = TypeCompiler.Compile(requestSchema(false))
const extendedCheck = TypeCompiler.Compile(requestSchema(true))

/** Every problem with a request body, as readable lines; empty when it is valid. */
export function strictOpenAIProblems(body: unknown, options: StrictOpenAIOptions = {}): string[] {
  const check: TypeCheck<TSchema> = options.vendorExtensions === true ? extendedCheck : strictCheck
  const problems = [...check.Errors(body)].map((error) => `${error.path || '/'}: ${error.message}`)
  // Shape errors make the rules below meaningless (and unsafe to evaluate).
  if (problems.length > 0) return [...new Set(problems)]
  return ruleProblems(body as StrictBody)
}

/** Throws an error listing every problem when the body is not a strict OpenAI request. */
export function assertStrictOpenAIRequest(body: unknown, options: StrictOpenAIOptions = {}): void {
  const problems = strictOpenAIProblems(body, options)
  if (problems.length > 0) {
    throw new Error(`not a strict OpenAI Chat Completions request:\n  ${problems.join('\n  ')}`)
  }
}

/** The parts of a shape-checked body the rules read. */
interface StrictBody {
  messages: Array<{
    role: string
    content?: unknown
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>
    tool_call_id?: string
  }>
  tools?: Array<{ function: { name: string; parameters?: unknown } }>
  tool_choice?: unknown
  parallel_tool_calls?: boolean
  stream?: boolean | null
  stream_options?: unknown
  max_tokens?: number | null
  max_completion_tokens?: number | null
}

function ruleProblems(body: StrictBody): string[] {
  const problems: string[] = []
  const seenCalls = new Set<string>()
  let pending: string[] = []
  for (const [index, message] of body.messages.entries()) {
    const at = `/messages/${index}`
    if (message.role === 'tool') {
      const id = message.tool_call_id ?? ''
      if (!pending.includes(id)) {
        problems.push(
          `${at}: tool message ${id} does not answer a call of the assistant message before it`,
        )
      }
      pending = pending.filter((callId) => callId !== id)
      continue
    }
    if (pending.length > 0) {
      problems.push(
        `${at}: tool calls ${pending.join(', ')} are not answered before this ${message.role} message`,
      )
    }
    pending = []
    if (message.role !== 'assistant') continue
    if (
      (message.content === undefined || message.content === null) &&
      (message.tool_calls ?? []).length === 0
    ) {
      problems.push(`${at}: an assistant message needs content or tool_calls`)
    }
    for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
      if (seenCalls.has(call.id)) {
        problems.push(`${at}/tool_calls/${callIndex}: duplicate tool call id ${call.id}`)
      }
      seenCalls.add(call.id)
      pending.push(call.id)
      if (!isJsonObject(call.function.arguments)) {
        problems.push(`${at}/tool_calls/${callIndex}: arguments are not a JSON object`)
      }
    }
  }
  if (pending.length > 0) {
    problems.push(`/messages: tool calls ${pending.join(', ')} are never answered`)
  }
  if (!body.messages.some((message) => message.role === 'user')) {
    problems.push('/messages: no user message')
  }
  problems.push(...toolProblems(body))
  if (body.stream_options !== undefined && body.stream !== true) {
    problems.push('/stream_options: only allowed with stream: true')
  }
  if (body.max_tokens != null && body.max_completion_tokens != null) {
    problems.push('/max_tokens: not allowed together with max_completion_tokens')
  }
  return problems
}

function toolProblems(body: StrictBody): string[] {
  const problems: string[] = []
  const names = (body.tools ?? []).map((tool) => tool.function.name)
  for (const [index, name] of names.entries()) {
    if (names.indexOf(name) !== index) problems.push(`/tools/${index}: duplicate tool name ${name}`)
  }
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (hasSchemaKeyword(tool.function.parameters)) {
      problems.push(
        `/tools/${index}/function/parameters: $schema is rejected by some providers (Groq)`,
      )
    }
  }
  if (names.length === 0 && body.tool_choice !== undefined) {
    problems.push('/tool_choice: only allowed with tools')
  }
  if (names.length === 0 && body.parallel_tool_calls !== undefined) {
    problems.push('/parallel_tool_calls: only allowed with tools')
  }
  const choice = body.tool_choice
  if (typeof choice === 'object' && choice !== null && 'function' in choice) {
    const { name } = choice.function as { name: string }
    if (!names.includes(name)) {
      problems.push(`/tool_choice: names ${name}, which is not among the tools`)
    }
  }
  return problems
}

/** Whether a `$schema` keyword appears anywhere in a schema (a property named so is fine). */
function hasSchemaKeyword(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(hasSchemaKeyword)
  if (typeof schema !== 'object' || schema === null) return false
  return Object.entries(schema).some(([key, value]) => {
    if (key === '$schema') return true
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      return Object.values(value).some(hasSchemaKeyword)
    }
    return hasSchemaKeyword(value)
  })
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}
