import { isRecord } from '../../lib/is-record.ts'
import type { Message, OutputBlock } from '../../protocol/events.ts'
import type { ConversionWarning } from '../warnings.ts'
import type { ChatCompletion } from './api.ts'
import { completeJson } from './complete-json.ts'
import { convertUsage } from './convert-usage.ts'
import { mapFinishReason } from './map-stop-reason.ts'
import { randomId, type NewId } from './random-id.ts'
import { pythonLiteralJson } from './python-literal.ts'
import { detailsOf, rememberDetails } from './reasoning-details.ts'
import { extractToolCalls, type ToolNames } from './text-tool-calls.ts'
import { rememberSignature, signatureOf } from './thought-signatures.ts'
import { parseJson, toolInputObject } from './tool-input.ts'

export interface ResponseOptions {
  /** Model name shown to the client. */
  model: string
  /** The request's stop_sequences, to report which one fired when the provider says. */
  stopSequences?: string[]
  /** Signature given to thinking blocks made from a provider's reasoning text. */
  thinkingSignature: string
  /** Local estimate of the prompt's tokens, used when the provider reports no usage. */
  inputTokens?: number
  /** Makes the message and tool ids; random unless a test fixes them. */
  newId?: NewId
  /** The names of the request's tools, if it has tools: calls a model writes as text are read for them. */
  toolNames?: ToolNames | undefined
}

type ToolCall = NonNullable<ChatCompletion['choices'][number]['message']['tool_calls']>[number]

/**
 * A non-streaming Chat Completion → an Anthropic message, in Anthropic's block order: thinking
 * first (claude-code-router appends it last), then text, then tool calls. Tool arguments that
 * were cut off are closed; arguments that cannot be read become `{}` and a warning.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object
 * @see https://docs.anthropic.com/en/api/messages
 */
export function toAnthropicMessage(
  completion: ChatCompletion,
  options: ResponseOptions,
): { message: Message; warnings: ConversionWarning[] } {
  const newId = options.newId ?? randomId
  const warnings: ConversionWarning[] = []
  const choice =
    completion.choices.find((candidate) => (candidate.index ?? 0) === 0) ?? completion.choices[0]
  const content: OutputBlock[] = []
  if (choice === undefined) {
    warnings.push({
      type: 'dropped',
      field: 'choices',
      details: 'the provider returned no choices',
    })
  } else {
    const { message } = choice
    const reasoning = present(message.reasoning_content) ?? present(message.reasoning)
    if (reasoning !== undefined) {
      content.push({ type: 'thinking', thinking: reasoning, signature: options.thinkingSignature })
    }
    const written = present(message.content)
    const extracted =
      written === undefined || options.toolNames === undefined
        ? { text: written ?? '', calls: [] }
        : extractToolCalls(written, options.toolNames)
    for (const text of [present(extracted.text), present(message.refusal)]) {
      if (text !== undefined) content.push({ type: 'text', text })
    }
    for (const [position, call] of (message.tool_calls ?? []).entries()) {
      const field = `choices[0].message.tool_calls[${position}]`
      const block = toToolUse(
        call,
        () => newId('toolu'),
        (details) => warnings.push({ type: 'changed', field, details }),
      )
      if (block === undefined)
        warnings.push({ type: 'dropped', field, details: 'the tool call has no name' })
      else content.push(block)
    }
    const firstCall = content.find((block) => block.type === 'tool_use')
    const details = detailsOf(message)
    if (firstCall !== undefined && details !== undefined) rememberDetails(firstCall.id, details)
    for (const call of extracted.calls) {
      const input = JSON.parse(call.arguments) as Record<string, unknown>
      content.push({ type: 'tool_use', id: newId('toolu'), name: call.name, input })
    }
  }

  const mapped = mapFinishReason({
    finishReason: choice?.finish_reason,
    matchedStop: choice?.stop_reason,
    stopSequences: options.stopSequences,
  })
  const toolUse =
    mapped.stopReason === 'end_turn' && content.some((block) => block.type === 'tool_use')
  const usage = completion.usage ?? undefined
  const message: Message = {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: options.model,
    content,
    stop_reason: toolUse ? 'tool_use' : mapped.stopReason,
    stop_sequence: mapped.stopSequence,
    usage:
      usage === undefined
        ? {
            input_tokens: options.inputTokens ?? 0,
            output_tokens: 0,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          }
        : convertUsage(usage),
  }
  return { message, warnings }
}

function toToolUse(
  call: ToolCall,
  makeId: () => string,
  warn: (details: string) => void,
): OutputBlock | undefined {
  const name = present(call.function.name)
  if (name === undefined) return undefined
  const input = parseArguments(call.function.arguments ?? '', warn)
  const id = present(call.id) ?? makeId()
  const signature = signatureOf(call)
  if (signature !== undefined) rememberSignature(id, signature)
  return { type: 'tool_use', id, name, input }
}

/** Tool arguments → the input object; Anthropic requires an object. */
function parseArguments(text: string, warn: (details: string) => void): Record<string, unknown> {
  if (text.trim() === '') return {}
  const parsed = parseJson(text)
  if (parsed.ok) {
    const input = toolInputObject(parsed.value)
    if (input !== undefined) return input
    warn('the arguments are JSON but not an object; sent as {}')
    return {}
  }
  const literal = pythonLiteralJson(text)
  if (literal !== undefined) {
    warn('the arguments were a Python dict (single quotes, True/None); read as the JSON they mean')
    return JSON.parse(literal) as Record<string, unknown>
  }
  const suffix = completeJson(text)
  const repaired = suffix === undefined ? undefined : parseJson(text + suffix)
  if (repaired?.ok === true && isRecord(repaired.value)) {
    warn(`the arguments were cut off; closed with ${JSON.stringify(suffix)}`)
    return repaired.value
  }
  warn('the arguments are not JSON; sent as {}')
  return {}
}

function present(value: string | null | undefined): string | undefined {
  return value === null || value === '' ? undefined : value
}
