import { Type, type Static, type TSchema, type TProperties } from '@sinclair/typebox'

/**
 * The OpenAI Responses API on the wire: what ccr sends typed exactly, what comes back read
 * through lenient schemas (every field may be missing or null), as for Chat Completions.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */

// ---- Outbound: the request ccr sends ----

export type InputContent =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url: string; detail: 'auto' | 'low' | 'high' }
  | { type: 'input_file'; filename?: string; file_data?: string; file_id?: string }
  | { type: 'output_text'; text: string }

export type InputItem =
  | { role: 'system' | 'developer' | 'user'; content: string | InputContent[] }
  | { type: 'message'; role: 'assistant'; content: InputContent[] }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: string }

export interface FunctionTool {
  type: 'function'
  name: string
  description?: string
  parameters: Record<string, unknown>
  /** Responses makes function tools strict unless told: Claude Code's schemas are not. */
  strict: false
}

/** OpenAI's own web search, run by the API as the model asks. */
export interface WebSearchTool {
  type: 'web_search'
  filters?: { allowed_domains: string[] }
}

export type ResponsesToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string }

export interface ResponsesRequest {
  model: string
  input: InputItem[]
  max_output_tokens?: number
  temperature?: number
  top_p?: number
  stream?: boolean
  tools?: Array<FunctionTool | WebSearchTool>
  tool_choice?: ResponsesToolChoice
  parallel_tool_calls?: boolean
  reasoning?: { effort: 'minimal' | 'low' | 'medium' | 'high'; summary?: 'auto' }
  /** Nothing is kept at the provider: ccr sends the whole conversation every turn. */
  store: false
  user?: string
}

// ---- Inbound: what the provider sends back ----

const Nullish = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]))
const Open = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: true })

export const ResponsesUsage = Open({
  input_tokens: Nullish(Type.Number()),
  output_tokens: Nullish(Type.Number()),
  input_tokens_details: Nullish(Open({ cached_tokens: Nullish(Type.Number()) })),
  output_tokens_details: Nullish(Open({ reasoning_tokens: Nullish(Type.Number()) })),
})
export type ResponsesUsage = Static<typeof ResponsesUsage>

export const ResponsesError = Open({
  code: Nullish(Type.Union([Type.String(), Type.Number()])),
  message: Nullish(Type.String()),
})
export type ResponsesError = Static<typeof ResponsesError>

/** A note on output text; a web search's `url_citation` names a page it found. */
const Annotation = Open({
  type: Type.String(),
  url: Nullish(Type.String()),
  title: Nullish(Type.String()),
})

/** An output item: a message, a function call, reasoning, or a kind ccr does not read. */
export const OutputItem = Open({
  type: Type.String(),
  id: Nullish(Type.String()),
  // message
  content: Nullish(
    Type.Array(
      Open({
        type: Type.String(),
        text: Nullish(Type.String()),
        refusal: Nullish(Type.String()),
        annotations: Nullish(Type.Array(Annotation)),
      }),
    ),
  ),
  // function_call
  call_id: Nullish(Type.String()),
  name: Nullish(Type.String()),
  arguments: Nullish(Type.String()),
  // reasoning
  summary: Nullish(Type.Array(Open({ text: Nullish(Type.String()) }))),
})
export type OutputItem = Static<typeof OutputItem>

/** The response object: the whole answer, or the one carried by `response.*` stream events. */
export const ResponseObject = Open({
  status: Nullish(Type.String()),
  output: Nullish(Type.Array(OutputItem)),
  usage: Nullish(ResponsesUsage),
  incomplete_details: Nullish(Open({ reason: Nullish(Type.String()) })),
  error: Nullish(ResponsesError),
})
export type ResponseObject = Static<typeof ResponseObject>

/** One stream event, by its `type`; the fields each kind carries are all optional here. */
export const ResponsesEvent = Open({
  type: Type.String(),
  // `response.output_text.annotation.added`
  annotation: Nullish(Annotation),
  response: Nullish(ResponseObject),
  item: Nullish(OutputItem),
  output_index: Nullish(Type.Number()),
  delta: Nullish(Type.String()),
  // `error` events
  code: Nullish(Type.Union([Type.String(), Type.Number()])),
  message: Nullish(Type.String()),
})
export type ResponsesEvent = Static<typeof ResponsesEvent>
