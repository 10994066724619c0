import type { ChatMessage, ChatRequest, ChatTextPart } from '../openai/api.ts'
import {
  convertRequest as convertToChat,
  type ConvertRequestOptions,
} from '../openai/convert-request.ts'
import type { ConversionWarning } from '../warnings.ts'
import type {
  InputContent,
  InputItem,
  ResponsesRequest,
  ResponsesToolChoice,
  WebSearchTool,
} from './api.ts'

/** The Responses API refuses a smaller `max_output_tokens`. */
const minOutputTokens = 16

export interface ConvertedRequest {
  body: ResponsesRequest
  warnings: ConversionWarning[]
}

/**
 * An Anthropic Messages request → a Responses API request. It goes through the Chat
 * Completions conversion first, which already decides everything the two APIs share (system
 * prompts in place, images, PDFs, tool results, tool schemas, reasoning effort, what is dropped
 * and why); what is left is a change of shape, item by item. Nothing is stored at the provider
 * (`store: false`): the conversation is sent whole on every turn, as Claude Code sends it.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @see https://platform.openai.com/docs/guides/migrate-to-responses
 */
export function convertRequest(options: ConvertRequestOptions): ConvertedRequest {
  const chat = convertToChat(options)
  const warnings = [...chat.warnings]
  const { body } = chat
  const requested = body.max_completion_tokens ?? body.max_tokens
  if (requested !== undefined && requested < minOutputTokens) {
    warnings.push({
      type: 'changed',
      field: 'max_tokens',
      details: `raised from ${requested} to ${minOutputTokens}, the Responses API's least`,
    })
  }
  if (body.stop !== undefined) {
    warnings.push({
      type: 'dropped',
      field: 'stop_sequences',
      details: 'the Responses API has none',
    })
  }
  const effort = body.reasoning_effort ?? body.reasoning?.effort
  const search = webSearch(options.request)
  return {
    body: {
      model: body.model,
      input: body.messages.flatMap(toItems),
      ...(requested === undefined
        ? {}
        : { max_output_tokens: Math.max(minOutputTokens, requested) }),
      ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
      ...(body.top_p === undefined ? {} : { top_p: body.top_p }),
      ...(body.stream === true ? { stream: true } : {}),
      ...tools(body, search),
      ...(effort === undefined
        ? {}
        : {
            reasoning: {
              effort,
              ...(options.modelEntry.reasoning_summary === true
                ? { summary: 'auto' as const }
                : {}),
            },
          }),
      store: false,
      ...(body.user === undefined ? {} : { user: body.user }),
    },
    warnings:
      search === undefined
        ? warnings
        : warnings.filter(
            (warning) =>
              !warning.details.startsWith('Anthropic server tool web_search') &&
              warning.details !== 'no tools left to choose from',
          ),
  }
}

/**
 * Claude Code's web search (Anthropic's `web_search_*` server tool) as OpenAI's own: the API
 * searches as the model asks, and the answer's text cites what it found (`as-chat.ts` lists
 * the sources after it). Allowed domains carry over; blocked ones have no equivalent.
 *
 * @see https://platform.openai.com/docs/guides/tools-web-search
 */
function webSearch(
  request: ConvertRequestOptions['request'],
): { tool: WebSearchTool; forced: boolean } | undefined {
  const found = request.tools?.find(
    (candidate) => typeof candidate.type === 'string' && candidate.type.startsWith('web_search'),
  )
  if (found === undefined) return undefined
  const allowed = (found as { allowed_domains?: unknown }).allowed_domains
  const tool: WebSearchTool =
    Array.isArray(allowed) && allowed.length > 0
      ? { type: 'web_search', filters: { allowed_domains: allowed.map(String) } }
      : { type: 'web_search' }
  const choice = request.tool_choice?.type
  return { tool, forced: choice === 'tool' || choice === 'any' }
}

/** One Chat message → the Responses input items that say the same. */
function toItems(message: ChatMessage): InputItem[] {
  switch (message.role) {
    case 'system':
      return [{ role: 'system', content: joined(message.content) }]
    case 'user':
      return [
        {
          role: 'user',
          content:
            typeof message.content === 'string' ? message.content : message.content.map(toInput),
        },
      ]
    case 'assistant': {
      const items: InputItem[] = []
      if (message.content !== null && message.content !== '') {
        items.push({
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: message.content }],
        })
      }
      for (const call of message.tool_calls ?? []) {
        items.push({
          type: 'function_call',
          call_id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        })
      }
      return items
    }
    case 'tool':
      return [
        {
          type: 'function_call_output',
          call_id: message.tool_call_id,
          output: joined(message.content),
        },
      ]
    default:
      return message satisfies never
  }
}

function toInput(part: Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number]) {
  switch (part.type) {
    case 'text':
      return { type: 'input_text', text: part.text } satisfies InputContent
    case 'image_url':
      return {
        type: 'input_image',
        image_url: part.image_url.url,
        detail: part.image_url.detail ?? 'auto',
      } satisfies InputContent
    case 'file':
      return {
        type: 'input_file',
        ...(part.file.filename === undefined ? {} : { filename: part.file.filename }),
        ...(part.file.file_data === undefined ? {} : { file_data: part.file.file_data }),
        ...(part.file.file_id === undefined ? {} : { file_id: part.file.file_id }),
      } satisfies InputContent
    default:
      return part satisfies never
  }
}

function joined(content: string | ChatTextPart[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n\n')
}

function tools(
  body: ChatRequest,
  search: { tool: WebSearchTool; forced: boolean } | undefined,
): Pick<ResponsesRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> {
  const functions = body.tools ?? []
  if (functions.length === 0 && search === undefined) return {}
  const choice = body.tool_choice
  let toolChoice: ResponsesToolChoice | undefined
  if (typeof choice === 'string') toolChoice = choice
  else if (choice !== undefined) toolChoice = { type: 'function', name: choice.function.name }
  // A search the client insisted on (by name, or any tool) is the only tool there is.
  else if (search !== undefined && functions.length === 0 && search.forced) toolChoice = 'required'
  return {
    tools: [
      ...functions.map((tool) => ({
        type: 'function' as const,
        name: tool.function.name,
        ...(tool.function.description === undefined
          ? {}
          : { description: tool.function.description }),
        parameters: tool.function.parameters ?? { type: 'object', properties: {} },
        strict: false as const,
      })),
      ...(search === undefined ? [] : [search.tool]),
    ],
    ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }),
    ...(body.parallel_tool_calls === undefined
      ? {}
      : { parallel_tool_calls: body.parallel_tool_calls }),
  }
}
