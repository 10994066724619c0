import { Type, type Static, type TProperties, type ObjectOptions } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/**
 * The Anthropic Messages request, as Claude Code sends it. Inbound schemas are lenient: every
 * object allows properties we do not know (`cache_control`, `citations`, next month's fields),
 * because a proxy must never strip what it does not understand.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
const Open = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: true, ...options })

export const CacheControl = Open({ type: Type.String(), ttl: Type.Optional(Type.String()) })

export const TextBlock = Open({
  type: Type.Literal('text'),
  text: Type.String(),
  cache_control: Type.Optional(CacheControl),
})
export type TextBlock = Static<typeof TextBlock>

const Base64Source = Open({
  type: Type.Literal('base64'),
  media_type: Type.String(),
  data: Type.String(),
})
const UrlSource = Open({ type: Type.Literal('url'), url: Type.String() })
const TextSource = Open({
  type: Type.Literal('text'),
  media_type: Type.Optional(Type.String()),
  data: Type.String(),
})
const FileSource = Open({ type: Type.Literal('file'), file_id: Type.String() })
const ContentSource = Open({
  type: Type.Literal('content'),
  content: Type.Union([Type.String(), Type.Array(Type.Unknown())]),
})

export const ImageBlock = Open({
  type: Type.Literal('image'),
  source: Type.Union([Base64Source, UrlSource, FileSource]),
  cache_control: Type.Optional(CacheControl),
})
export type ImageBlock = Static<typeof ImageBlock>

export const DocumentBlock = Open({
  type: Type.Literal('document'),
  source: Type.Union([Base64Source, UrlSource, TextSource, FileSource, ContentSource]),
  title: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  context: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  cache_control: Type.Optional(CacheControl),
})
export type DocumentBlock = Static<typeof DocumentBlock>

export const ToolUseBlock = Open({
  type: Type.Literal('tool_use'),
  id: Type.String(),
  name: Type.String(),
  input: Type.Unknown(),
  cache_control: Type.Optional(CacheControl),
})
export type ToolUseBlock = Static<typeof ToolUseBlock>

export const ToolResultBlock = Open({
  type: Type.Literal('tool_result'),
  tool_use_id: Type.String(),
  content: Type.Optional(Type.Union([Type.String(), Type.Array(Open({ type: Type.String() }))])),
  is_error: Type.Optional(Type.Boolean()),
  cache_control: Type.Optional(CacheControl),
})
export type ToolResultBlock = Static<typeof ToolResultBlock>

export const ThinkingBlock = Open({
  type: Type.Literal('thinking'),
  thinking: Type.String(),
  signature: Type.Optional(Type.String()),
})
export type ThinkingBlock = Static<typeof ThinkingBlock>

export const RedactedThinkingBlock = Open({
  type: Type.Literal('redacted_thinking'),
  data: Type.String(),
})
export type RedactedThinkingBlock = Static<typeof RedactedThinkingBlock>

/** Anthropic server tools' blocks (`server_tool_use`, `web_search_tool_result`, …) in history. */
export const ServerToolBlock = Open({
  type: Type.Union([
    Type.Literal('server_tool_use'),
    Type.Literal('web_search_tool_result'),
    Type.Literal('web_fetch_tool_result'),
    Type.Literal('code_execution_tool_result'),
    Type.Literal('mcp_tool_use'),
    Type.Literal('mcp_tool_result'),
  ]),
})
export type ServerToolBlock = Static<typeof ServerToolBlock>

/** The content blocks ccr knows how to translate. */
export const ContentBlock = Type.Union([
  TextBlock,
  ImageBlock,
  DocumentBlock,
  ToolUseBlock,
  ToolResultBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
  ServerToolBlock,
])
export type ContentBlock = Static<typeof ContentBlock>

const contentBlockCheck = TypeCompiler.Compile(ContentBlock)
/** Narrows an inbound block; an unknown or malformed block is reported by the caller. */
export const isContentBlock = (value: unknown): value is ContentBlock =>
  contentBlockCheck.Check(value)

/** Any block on the wire: only its `type` is checked at the edge. */
export const WireBlock = Type.Intersect([
  Type.Object({ type: Type.String() }),
  // Its other fields are typed as unknown (not absent), so code reading them must narrow.
  Type.Record(Type.String(), Type.Unknown()),
])
export type WireBlock = Static<typeof WireBlock>

export const MessageParam = Open({
  // `system` appears mid-conversation in Claude Code 2.1.332 (per-turn-control beta).
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]),
  content: Type.Union([Type.String(), Type.Array(WireBlock)]),
})
export type MessageParam = Static<typeof MessageParam>

export const Tool = Open({
  name: Type.String(),
  type: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  input_schema: Type.Optional(Type.Unknown()),
  defer_loading: Type.Optional(Type.Boolean()),
  cache_control: Type.Optional(CacheControl),
})
export type Tool = Static<typeof Tool>

export const ToolChoice = Open({
  type: Type.Union([
    Type.Literal('auto'),
    Type.Literal('any'),
    Type.Literal('tool'),
    Type.Literal('none'),
  ]),
  name: Type.Optional(Type.String()),
  disable_parallel_tool_use: Type.Optional(Type.Boolean()),
})
export type ToolChoice = Static<typeof ToolChoice>

export const ThinkingConfig = Open({
  type: Type.Union([Type.Literal('enabled'), Type.Literal('adaptive'), Type.Literal('disabled')]),
  budget_tokens: Type.Optional(Type.Integer()),
  display: Type.Optional(Type.String()),
})
export type ThinkingConfig = Static<typeof ThinkingConfig>

export const MessagesRequest = Open({
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(MessageParam),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(WireBlock)])),
  stream: Type.Optional(Type.Boolean()),
  temperature: Type.Optional(Type.Number()),
  top_p: Type.Optional(Type.Number()),
  top_k: Type.Optional(Type.Integer()),
  stop_sequences: Type.Optional(Type.Array(Type.String())),
  tools: Type.Optional(Type.Array(Tool)),
  tool_choice: Type.Optional(ToolChoice),
  thinking: Type.Optional(ThinkingConfig),
  metadata: Type.Optional(
    Open({ user_id: Type.Optional(Type.Union([Type.String(), Type.Null()])) }),
  ),
  output_config: Type.Optional(Open({ effort: Type.Optional(Type.String()) })),
})
export type MessagesRequest = Static<typeof MessagesRequest>

/** `POST /v1/messages/count_tokens`: the request without generation settings. */
export const CountTokensRequest = Open({
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(MessageParam),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(WireBlock)])),
  tools: Type.Optional(Type.Array(Tool)),
  thinking: Type.Optional(ThinkingConfig),
})
export type CountTokensRequest = Static<typeof CountTokensRequest>
