import { isRecord } from '../lib/is-record.ts'

/**
 * What the usage tap learns from a response body, and how it reads Anthropic's usage and error
 * shapes out of JSON it cannot trust: a tap must never throw, so everything arrives as
 * `unknown` and is narrowed field by field.
 */

/** Token counts as the final message has them; a counter the wire leaves out counts as 0. */
export interface TokenUsage {
  input_tokens: number
  output_tokens: number
  cache_read_input_tokens: number
  cache_creation_input_tokens: number
  /** Of the output, tokens spent thinking, when the provider says (`output_tokens_details`). */
  thinking_tokens?: number
}

/** An Anthropic error: its `type` (`overloaded_error`, `api_error`, …) and message. */
export interface ErrorSummary {
  type: string
  message: string
}

/** What one body said once it ended; `usage` and the rest are absent when it never said. */
export interface BodyObservation {
  /** The body held a whole answer: `message_stop`, or a complete JSON message. */
  complete: boolean
  error?: ErrorSummary
  usage?: TokenUsage
  stopReason?: string | null
  model?: string
  /** `now()` when the first content delta (text, thinking or tool input) went by. */
  firstTokenAt?: number
}

/** Watches the bytes of one body as they pass, without holding on to them. */
export interface BodyObserver {
  /** Must not throw: the bytes have already gone to the client. */
  observe(bytes: Uint8Array): void
  /** The verdict; called once, when the body has ended one way or another. */
  end(): BodyObservation
}

/**
 * What the usage tap feeds besides its own observer (`TapOptions.collector`, the response
 * cache): the body's bytes as they go to the client, then whether the body reached its end.
 * Never throws.
 */
export interface BodyCollector {
  observe(bytes: Uint8Array): void
  /** Once: `ended` is false for a body that broke off or that the client cancelled. */
  end(ended: boolean): void
}

/**
 * `previous` updated by the counters present in `value`, as the SDK accumulates a stream:
 * `message_delta` usage carries whole-message totals, so a counter that is there overrides and
 * one that is missing or null keeps its earlier value.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 * @see https://github.com/anthropics/anthropic-sdk-typescript/blob/main/src/lib/MessageStream.ts
 */
export function mergeUsage(
  previous: TokenUsage | undefined,
  value: unknown,
): TokenUsage | undefined {
  if (!isRecord(value)) return previous
  const base = previous ?? {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  }
  return {
    input_tokens: numberOr(value.input_tokens, base.input_tokens),
    output_tokens: numberOr(value.output_tokens, base.output_tokens),
    cache_read_input_tokens: numberOr(value.cache_read_input_tokens, base.cache_read_input_tokens),
    cache_creation_input_tokens: numberOr(
      value.cache_creation_input_tokens,
      base.cache_creation_input_tokens,
    ),
    ...thinkingOf(value.output_tokens_details, base.thinking_tokens),
  }
}

/**
 * The `error` of an Anthropic error envelope (a JSON body or an `error` event's data).
 *
 * @see https://docs.anthropic.com/en/api/errors
 */
export function errorOf(envelope: Record<string, unknown>): ErrorSummary | undefined {
  const error = envelope.error
  if (!isRecord(error)) return undefined
  const type = typeof error.type === 'string' ? error.type : 'api_error'
  const message = typeof error.message === 'string' ? error.message : ''
  return { type, message }
}

/** A `stop_reason` as sent: a string, or null while the answer is still running. */
export function stopReasonOf(value: unknown): string | null | undefined {
  return typeof value === 'string' || value === null ? value : undefined
}

/** A token count as sent, or `fallback` where there is none: not a number, or below zero. */
function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback
}

function thinkingOf(details: unknown, previous: number | undefined): { thinking_tokens?: number } {
  const value = isRecord(details) ? details.thinking_tokens : undefined
  const tokens = typeof value === 'number' && Number.isFinite(value) ? value : previous
  return tokens === undefined ? {} : { thinking_tokens: tokens }
}
