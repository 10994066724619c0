import { Type, type Static, type TSchema, type TProperties } from '@sinclair/typebox'

/**
 * OpenAI Chat Completions on the wire. What ccr sends is typed exactly (plain TypeScript);
 * what providers send back is read through minimal, lenient schemas in which every field may
 * be missing or null, because OpenAI-compatible servers (DeepSeek, OpenRouter, Groq, Ollama,
 * vLLM, LM Studio, …) differ in what they include.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */

// ---- Outbound: the request ccr sends ----

export interface ChatTextPart {
  type: 'text'
  text: string
  /** Anthropic's cache mark, for gateways that honour it (`cache-marks.ts`). */
  cache_control?: Record<string, unknown>
}

export interface ChatImagePart {
  type: 'image_url'
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' }
}

/** A PDF or other file inline, as base64 data URL. */
export interface ChatFilePart {
  type: 'file'
  file: { filename?: string; file_data?: string; file_id?: string }
}

export interface ChatToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
  /** Gemini's thought signature, sent back as it came (`thought-signatures.ts`). */
  extra_content?: { google: { thought_signature: string } }
}

export type ChatMessage =
  | { role: 'system'; content: string | ChatTextPart[] }
  | { role: 'user'; content: string | Array<ChatTextPart | ChatImagePart | ChatFilePart> }
  | {
      role: 'assistant'
      content: string | null
      tool_calls?: ChatToolCall[]
      /** DeepSeek's thinking, sent back during a tool loop as its API asks. */
      reasoning_content?: string
      /** OpenRouter's reasoning, sent back with the step that called tools. */
      reasoning_details?: Record<string, unknown>[]
    }
  | { role: 'tool'; tool_call_id: string; content: string | ChatTextPart[] }

export interface ChatTool {
  type: 'function'
  function: {
    name: string
    description?: string
    parameters?: Record<string, unknown>
    strict?: boolean
  }
}

export type ChatToolChoice =
  'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } }

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high'

export interface ChatRequest {
  model: string
  messages: ChatMessage[]
  max_tokens?: number
  /** OpenAI's newer name, required by its reasoning models instead of `max_tokens`. */
  max_completion_tokens?: number
  temperature?: number
  top_p?: number
  stop?: string[]
  stream?: boolean
  stream_options?: { include_usage: boolean }
  tools?: ChatTool[]
  tool_choice?: ChatToolChoice
  parallel_tool_calls?: boolean
  user?: string
  reasoning_effort?: ReasoningEffort
  /** OpenRouter's unified reasoning control. */
  reasoning?: { effort?: ReasoningEffort; max_tokens?: number; enabled?: boolean }
  /** Qwen / DashScope / SiliconFlow. */
  enable_thinking?: boolean
  thinking_budget?: number
}

// ---- Inbound: what providers send back ----

/** A field that may be absent or null: providers differ. */
const Nullish = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]))
const Open = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: true })

export const ChatUsage = Open({
  prompt_tokens: Nullish(Type.Number()),
  completion_tokens: Nullish(Type.Number()),
  total_tokens: Nullish(Type.Number()),
  prompt_tokens_details: Nullish(Open({ cached_tokens: Nullish(Type.Number()) })),
  completion_tokens_details: Nullish(Open({ reasoning_tokens: Nullish(Type.Number()) })),
  /** DeepSeek's spelling of cached prompt tokens. */
  prompt_cache_hit_tokens: Nullish(Type.Number()),
  prompt_cache_miss_tokens: Nullish(Type.Number()),
})
export type ChatUsage = Static<typeof ChatUsage>

/**
 * vLLM's `choices[].stop_reason`: the stop string that ended the answer, or the id of the stop
 * token.
 */
const MatchedStop = Type.Union([Type.String(), Type.Number()])

const ToolCallDelta = Open({
  index: Nullish(Type.Number()),
  id: Nullish(Type.String()),
  type: Nullish(Type.String()),
  function: Nullish(Open({ name: Nullish(Type.String()), arguments: Nullish(Type.String()) })),
})

export const ChatError = Open({
  message: Nullish(Type.String()),
  type: Nullish(Type.String()),
  code: Nullish(Type.Union([Type.String(), Type.Number()])),
})
export type ChatError = Static<typeof ChatError>

export const ChatChunk = Open({
  id: Nullish(Type.String()),
  model: Nullish(Type.String()),
  choices: Nullish(
    Type.Array(
      Open({
        index: Nullish(Type.Number()),
        delta: Nullish(
          Open({
            role: Nullish(Type.String()),
            content: Nullish(Type.String()),
            /** DeepSeek, vLLM, Groq (`reasoning_format: parsed`), SiliconFlow. */
            reasoning_content: Nullish(Type.String()),
            /** OpenRouter, Ollama, Groq. */
            reasoning: Nullish(Type.String()),
            refusal: Nullish(Type.String()),
            tool_calls: Nullish(Type.Array(ToolCallDelta)),
          }),
        ),
        finish_reason: Nullish(Type.String()),
        stop_reason: Nullish(MatchedStop),
      }),
    ),
  ),
  usage: Nullish(ChatUsage),
  /** Groq puts the usage of a stream here, on its last chunk, instead of in `usage`. */
  x_groq: Nullish(Open({ id: Nullish(Type.String()), usage: Nullish(ChatUsage) })),
  /** Some providers report a failure inside the stream instead of with an HTTP status. */
  error: Nullish(ChatError),
})
export type ChatChunk = Static<typeof ChatChunk>

export const ChatCompletion = Open({
  id: Nullish(Type.String()),
  model: Nullish(Type.String()),
  choices: Type.Array(
    Open({
      index: Nullish(Type.Number()),
      message: Open({
        role: Nullish(Type.String()),
        content: Nullish(Type.String()),
        reasoning_content: Nullish(Type.String()),
        reasoning: Nullish(Type.String()),
        refusal: Nullish(Type.String()),
        tool_calls: Nullish(
          Type.Array(
            Open({
              id: Nullish(Type.String()),
              type: Nullish(Type.String()),
              function: Open({ name: Nullish(Type.String()), arguments: Nullish(Type.String()) }),
            }),
          ),
        ),
      }),
      finish_reason: Nullish(Type.String()),
      stop_reason: Nullish(MatchedStop),
    }),
  ),
  usage: Nullish(ChatUsage),
})
export type ChatCompletion = Static<typeof ChatCompletion>
