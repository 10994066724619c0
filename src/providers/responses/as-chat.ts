import type { ChatChunk, ChatCompletion, ChatUsage } from '../openai/api.ts'
import type { SseItem } from '../sse-json.ts'
import type { OutputItem, ResponseObject, ResponsesEvent, ResponsesUsage } from './api.ts'

/**
 * The Responses API's answers said as Chat Completions, so that the Chat conversion turns them
 * into Anthropic's: one conversion to keep correct (block order, tool-argument repair, signed
 * thinking, failures reported in-stream) instead of two that drift apart. Every field the
 * conversion reads is carried: text, refusals, reasoning summaries, function calls, the stop,
 * the usage and errors.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function completionOf(response: ResponseObject): ChatCompletion {
  const output = response.output ?? []
  const cited = output.flatMap(citations)
  const text = output.flatMap((item) => texts(item, 'output_text')).join('') + sourcesText(cited)
  const refusal = output.flatMap((item) => texts(item, 'refusal')).join('')
  const reasoning = output.flatMap(summaryTexts).join('\n\n')
  const calls = output.filter(isFunctionCall)
  return {
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          ...(refusal === '' ? {} : { refusal }),
          ...(reasoning === '' ? {} : { reasoning }),
          ...(calls.length === 0
            ? {}
            : {
                tool_calls: calls.map((call) => ({
                  id: call.call_id ?? null,
                  type: 'function',
                  function: { name: call.name ?? null, arguments: call.arguments ?? '' },
                })),
              }),
        },
        finish_reason: finishReason(response, calls.length > 0),
      },
    ],
    usage: chatUsage(response.usage),
  }
}

/** Reads a Responses event stream and hands on the Chat chunks it means. */
export function createChunkReader(push: (item: SseItem<ChatChunk>) => void) {
  /** Output index of each function call → its position among the answer's tool calls. */
  const toolIndex = new Map<number, number>()
  /** Function calls whose arguments came as deltas: their `done` item repeats them. */
  const streamed = new Set<number>()
  /** The pages a web search found and the text cited, listed after it. */
  const cited: Citation[] = []
  const delta = (fields: Record<string, unknown>) =>
    push({ kind: 'value', value: { choices: [{ index: 0, delta: fields }] } })

  const readEvent = (event: ResponsesEvent) => {
    const at = event.output_index ?? 0
    switch (event.type) {
      case 'response.output_text.delta':
        return delta({ content: event.delta })
      case 'response.refusal.delta':
        return delta({ refusal: event.delta })
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return delta({ reasoning: event.delta })
      case 'response.output_item.added': {
        const item = event.item
        if (item === undefined || item === null || !isFunctionCall(item)) return
        toolIndex.set(at, toolIndex.size)
        return delta({
          tool_calls: [
            {
              index: toolIndex.get(at),
              id: item.call_id,
              type: 'function',
              function: { name: item.name, arguments: '' },
            },
          ],
        })
      }
      case 'response.function_call_arguments.delta':
        if (event.delta === '' || event.delta === undefined) return
        streamed.add(at)
        return delta({
          tool_calls: [{ index: toolIndex.get(at), function: { arguments: event.delta } }],
        })
      case 'response.output_item.done': {
        // A server that sends a call's arguments only with the finished item.
        const item = event.item
        if (item === undefined || item === null || !isFunctionCall(item) || streamed.has(at)) return
        if (!toolIndex.has(at)) return readEvent({ ...event, type: 'response.output_item.added' })
        const args = item.arguments ?? ''
        if (args === '') return
        streamed.add(at)
        return delta({ tool_calls: [{ index: toolIndex.get(at), function: { arguments: args } }] })
      }
      case 'response.output_text.annotation.added': {
        const citation = asCitation(event.annotation)
        if (citation !== undefined) cited.push(citation)
        return undefined
      }
      case 'response.completed':
      case 'response.incomplete': {
        const response = event.response ?? {}
        const sources = sourcesText(cited)
        if (sources !== '') delta({ content: sources })
        push({
          kind: 'value',
          value: {
            choices: [
              { index: 0, delta: {}, finish_reason: finishReason(response, toolIndex.size > 0) },
            ],
            usage: chatUsage(response.usage),
          },
        })
        return push({ kind: 'done' })
      }
      case 'response.failed': {
        const error = event.response?.error
        return push({
          kind: 'value',
          value: {
            error: {
              message: error?.message ?? 'the response failed',
              code: error?.code ?? null,
            },
          },
        })
      }
      case 'error':
        return push({
          kind: 'value',
          value: { error: { message: event.message ?? 'no message', code: event.code ?? null } },
        })
      default:
        // Lifecycle and `done` events repeat what the deltas said.
        return undefined
    }
  }

  return (item: SseItem<ResponsesEvent>) => {
    if (item.kind === 'value') readEvent(item.value)
    else push(item)
  }
}

function isFunctionCall(item: OutputItem): boolean {
  return item.type === 'function_call'
}

function texts(item: OutputItem, type: 'output_text' | 'refusal'): string[] {
  if (item.type !== 'message') return []
  return (item.content ?? []).flatMap((part) => {
    if (part.type !== type) return []
    const text = type === 'output_text' ? part.text : part.refusal
    return typeof text === 'string' ? [text] : []
  })
}

function summaryTexts(item: OutputItem): string[] {
  if (item.type !== 'reasoning') return []
  return (item.summary ?? []).flatMap((part) => (typeof part.text === 'string' ? [part.text] : []))
}

/**
 * An unfinished response says why: the output limit is Chat's `length`, a content filter its
 * `content_filter`; a function call means the model waits for its result.
 */
function finishReason(response: ResponseObject, calledTools: boolean): string {
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason
    if (reason === 'max_output_tokens') return 'length'
    if (reason === 'content_filter') return 'content_filter'
  }
  return calledTools ? 'tool_calls' : 'stop'
}

/** Responses counts `input_tokens` with the cached ones inside, as Chat's `prompt_tokens`. */
function chatUsage(usage: ResponsesUsage | null | undefined): ChatUsage | null {
  if (usage === undefined || usage === null) return null
  return {
    prompt_tokens: usage.input_tokens ?? null,
    completion_tokens: usage.output_tokens ?? null,
    prompt_tokens_details: { cached_tokens: usage.input_tokens_details?.cached_tokens ?? null },
    completion_tokens_details: {
      reasoning_tokens: usage.output_tokens_details?.reasoning_tokens ?? null,
    },
  }
}

interface Citation {
  url: string
  title: string | undefined
}

/** A `url_citation` annotation: a page the web search found and the text cites. */
function asCitation(annotation: unknown): Citation | undefined {
  if (typeof annotation !== 'object' || annotation === null) return undefined
  const { type, url, title } = annotation as { type?: unknown; url?: unknown; title?: unknown }
  if (type !== 'url_citation' || typeof url !== 'string' || url === '') return undefined
  return { url, title: typeof title === 'string' && title !== '' ? title : undefined }
}

function citations(item: OutputItem): Citation[] {
  if (item.type !== 'message') return []
  return (item.content ?? []).flatMap((part) =>
    (part.annotations ?? []).flatMap((annotation) => asCitation(annotation) ?? []),
  )
}

/**
 * The cited pages as a list after the text: Claude Code hands a search's text to its model as
 * the results, and tells it to name its sources, so the links must be in the text.
 */
function sourcesText(cited: readonly Citation[]): string {
  const seen = new Set<string>()
  const lines: string[] = []
  for (const { url, title } of cited) {
    if (seen.has(url)) continue
    seen.add(url)
    lines.push(title === undefined ? `- ${url}` : `- [${title}](${url})`)
  }
  return lines.length === 0 ? '' : `\n\nSources:\n${lines.join('\n')}`
}
