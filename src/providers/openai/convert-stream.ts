import type { StreamEvent, Usage } from '../../protocol/events.ts'
import type { SseItem } from '../sse-json.ts'
import type { ChatChunk, ChatError, ChatUsage } from './api.ts'
import { createBlockWriter } from './block-writer.ts'
import { convertUsage } from './convert-usage.ts'
import { mapFinishReason, type MappedStop } from './map-stop-reason.ts'
import { randomId, type NewId } from './random-id.ts'
import { createDetailsCollector, rememberDetails } from './reasoning-details.ts'
import { rememberSignature, signatureOf } from './thought-signatures.ts'
import { createTextToolCallReader, type ToolNames } from './text-tool-calls.ts'
import { createToolCallTracker } from './tool-call-tracker.ts'

export interface StreamOptions {
  /** Model name shown in message_start. */
  model: string
  /** Local estimate of the prompt's tokens for message_start; the real figure comes in message_delta. */
  inputTokens: number
  /** The request's stop_sequences, to report which one fired when the provider says. */
  stopSequences?: string[]
  /** Signature given to thinking blocks made from a provider's reasoning text; starts with `ccr:`. */
  thinkingSignature: string
  /** Makes the message and tool ids; random unless a test fixes them. */
  newId?: NewId
  /** The names of the request's tools, if it has tools: calls a model writes as text are read for them. */
  toolNames?: ToolNames | undefined
}

/**
 * An OpenAI Chat Completions stream → Anthropic stream events.
 *
 * `message_start` goes out with the first item. Reasoning (`reasoning_content`, `reasoning`)
 * becomes a signed thinking block, content and refusals text blocks, tool calls tool_use
 * blocks whose input streams as it arrives. `message_delta` waits for `[DONE]` or the end of
 * the stream, because OpenAI (`include_usage`) and OpenRouter send the usage after the
 * `finish_reason` chunk; Groq sends it in `x_groq.usage`.
 *
 * Anything that means the answer is not whole ends the stream with an `error` event and no
 * `message_stop`, so the client retries instead of taking a truncated answer for success: an
 * unreadable chunk, an `error` object, `finish_reason: "error"`, tool arguments that are not
 * JSON, or a stream that stops before both `finish_reason` and `[DONE]`. After `[DONE]` or an
 * error the output closes, which cancels the upstream.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://api-docs.deepseek.com/guides/reasoning_model
 * @see https://openrouter.ai/docs/api-reference/streaming
 * @see https://console.groq.com/docs/reasoning
 */
export function toAnthropicEvents(
  options: StreamOptions,
): TransformStream<SseItem<ChatChunk>, StreamEvent> {
  let conversion: Conversion | undefined
  return new TransformStream({
    start(controller) {
      conversion = createConversion(options, (event) => controller.enqueue(event))
    },
    transform(item, controller) {
      if (conversion?.accept(item) === 'ended') controller.terminate()
    },
    flush() {
      conversion?.end()
    },
  })
}

export interface Conversion {
  /** Reads one item; `ended` once the answer is complete or failed. */
  accept(item: SseItem<ChatChunk>): 'open' | 'ended'
  /** The upstream ended. */
  end(): void
}

type Choice = NonNullable<ChatChunk['choices']>[number]

/** The conversion itself, push-based: items in through `accept`, events out through `emit`. */
export function createConversion(
  options: StreamOptions,
  emit: (event: StreamEvent) => void,
): Conversion {
  const newId = options.newId ?? randomId
  const writer = createBlockWriter({ emit, thinkingSignature: options.thinkingSignature })
  const tools = createToolCallTracker({ writer, newToolId: () => newId('toolu') })
  /** Calls written as text get indexes no provider uses for its own. */
  let textCallIndex = 1_000_000
  const textCalls =
    options.toolNames === undefined
      ? undefined
      : createTextToolCallReader(options.toolNames, {
          text: (text) => {
            if (!ended && closeTools()) writer.text(text)
          },
          call: (call) => {
            if (ended) return
            const fragment = { index: textCallIndex++, id: newId('toolu'), function: call }
            const failure = tools.push(fragment)
            if (failure !== undefined) fail('api_error', failure)
          },
        })
  let started = false
  let ended = false
  let chunks = 0
  let stop: MappedStop | undefined
  let usage: ChatUsage | undefined
  /** OpenRouter's reasoning details and the answer's first tool call, to remember them by. */
  const details = createDetailsCollector()
  let firstToolCallId: string | undefined

  const start = () => {
    if (started) return
    started = true
    const estimate = { input_tokens: options.inputTokens, output_tokens: 0 }
    emit({
      type: 'message_start',
      message: {
        id: newId('msg'),
        type: 'message',
        role: 'assistant',
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...estimate, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    })
  }

  const fail = (type: 'api_error' | 'overloaded_error', message: string) => {
    tools.abandon()
    writer.close()
    emit({ type: 'error', error: { type, message } })
    ended = true
  }

  /** Closes the tool calls (before other content, or at the end); false when that failed. */
  const closeTools = (): boolean => {
    if (!tools.active) return true
    const failure = tools.finish()
    if (failure !== undefined) fail('api_error', failure)
    return failure === undefined
  }

  const finish = () => {
    textCalls?.end()
    if (ended || !closeTools()) return
    const reasoning = details.details()
    if (firstToolCallId !== undefined && reasoning.length > 0)
      rememberDetails(firstToolCallId, reasoning)
    writer.close()
    const mapped = stop ?? { stopReason: 'end_turn', stopSequence: null }
    // Some providers say `stop` after calling tools; Claude Code runs tools on `tool_use`.
    const toolUse = mapped.stopReason === 'end_turn' && writer.wroteToolUse
    emit({
      type: 'message_delta',
      delta: {
        stop_reason: toolUse ? 'tool_use' : mapped.stopReason,
        stop_sequence: mapped.stopSequence,
      },
      usage: usage === undefined ? fallbackUsage(options.inputTokens) : convertUsage(usage),
    })
    emit({ type: 'message_stop' })
    ended = true
  }

  const readDelta = (delta: NonNullable<Choice['delta']>) => {
    const reasoning = present(delta.reasoning_content) ?? present(delta.reasoning)
    if (reasoning !== undefined) {
      if (!closeTools()) return
      writer.thinking(reasoning)
    }
    const content = present(delta.content)
    if (content !== undefined) {
      if (textCalls !== undefined) textCalls.push(content)
      else if (closeTools()) writer.text(content)
      if (ended) return
    }
    const refusal = present(delta.refusal)
    if (refusal !== undefined) {
      if (!closeTools()) return
      writer.text(refusal)
    }
    if ('reasoning_details' in delta) details.add(delta)
    for (const fragment of delta.tool_calls ?? []) {
      if (firstToolCallId === undefined && typeof fragment.id === 'string')
        firstToolCallId = fragment.id
      const signature = signatureOf(fragment)
      if (signature !== undefined && typeof fragment.id === 'string')
        rememberSignature(fragment.id, signature)
      const failure = tools.push(fragment)
      if (failure !== undefined) return fail('api_error', failure)
    }
  }

  const readChunk = (chunk: ChatChunk) => {
    chunks += 1
    usage = chunk.usage ?? chunk.x_groq?.usage ?? usage
    const error = reportedError(chunk)
    if (error !== undefined) {
      return fail(
        errorTypeOf(error),
        `The provider reported an error mid-stream: ${describe(error)}`,
      )
    }
    // Only the first choice is the answer; ccr never asks for `n` > 1.
    const choice = chunk.choices?.find((candidate) => (candidate.index ?? 0) === 0)
    if (choice === undefined) return
    if (choice.delta !== undefined && choice.delta !== null) readDelta(choice.delta)
    const finishReason = present(choice.finish_reason)
    if (ended || finishReason === undefined) return
    if (finishReason === 'error')
      return fail('api_error', 'The provider ended the answer with finish_reason "error"')
    const { stopSequences } = options
    stop = mapFinishReason({ finishReason, matchedStop: choice.stop_reason, stopSequences })
    textCalls?.end()
    if (!ended && closeTools()) writer.close()
  }

  const accept = (item: SseItem<ChatChunk>) => {
    start()
    switch (item.kind) {
      case 'value':
        return readChunk(item.value)
      case 'done':
        return finish()
      case 'invalid':
        if (item.raw === '')
          return fail('api_error', `The provider's stream broke off: ${item.reason}`)
        return fail(
          'api_error',
          `The provider sent a chunk ccr cannot read (${item.reason}): ${preview(item.raw)}`,
        )
      default:
        return item satisfies never
    }
  }

  /** A bug here must not hang or break the client's stream: report it like an upstream failure. */
  const guarded = (action: () => void) => {
    try {
      action()
    } catch (error) {
      if (!ended)
        fail('api_error', `ccr could not convert the provider's answer: ${describeThrown(error)}`)
    }
  }

  return {
    accept(item) {
      if (!ended) guarded(() => accept(item))
      return ended ? 'ended' : 'open'
    },
    end() {
      if (ended) return
      guarded(() => {
        start()
        if (stop !== undefined) return finish()
        const said =
          chunks === 0
            ? 'without sending anything'
            : `after ${chunks} ${chunks === 1 ? 'chunk' : 'chunks'}, without finish_reason or [DONE]`
        fail('api_error', `The provider's stream ended ${said}: the answer is incomplete`)
      })
    },
  }
}

/** Usage when the provider reports none: the local prompt estimate, nothing else known. */
function fallbackUsage(inputTokens: number): Usage {
  return {
    input_tokens: inputTokens,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  }
}

/**
 * The failure a chunk reports: OpenAI's (and OpenRouter's) `error` object, or older vLLM's
 * error body sent as a chunk of its own (`{"object": "error", "message": …, "code": 400}`).
 */
function reportedError(chunk: ChatChunk): ChatError | undefined {
  if (chunk.error !== undefined && chunk.error !== null) return chunk.error
  if (!('object' in chunk) || chunk.object !== 'error') return undefined
  const message = 'message' in chunk ? chunk.message : undefined
  const type = 'type' in chunk ? chunk.type : undefined
  const code = 'code' in chunk ? chunk.code : undefined
  return {
    message: typeof message === 'string' ? message : null,
    type: typeof type === 'string' ? type : null,
    code: typeof code === 'string' || typeof code === 'number' ? code : null,
  }
}

/** Claude Code retries both, but `overloaded_error` tells the user the provider is busy. */
function errorTypeOf(error: ChatError): 'api_error' | 'overloaded_error' {
  const { code, type } = error
  if (code === 429 || code === 503 || code === 529) return 'overloaded_error'
  const words = `${type ?? ''} ${typeof code === 'string' ? code : ''}`
  return /overload|rate.?limit|capacity|unavailable/i.test(words) ? 'overloaded_error' : 'api_error'
}

function describe(error: ChatError): string {
  const details = [error.type, error.code].filter(
    (part) => part !== undefined && part !== null && part !== '',
  )
  const message = present(error.message) ?? 'no message'
  return details.length === 0 ? message : `${message} (${details.join(', ')})`
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function preview(raw: string): string {
  return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw
}

function present(value: string | null | undefined): string | undefined {
  return value === null || value === '' ? undefined : value
}
