import { isRecord } from '../lib/is-record.ts'
import { createParser } from 'eventsource-parser'
import {
  errorOf,
  mergeUsage,
  stopReasonOf,
  type BodyObservation,
  type BodyObserver,
  type ErrorSummary,
  type TokenUsage,
} from './body-observation.ts'

/** An observer of Anthropic SSE, which can also say where the bytes so far left off. */
export interface SseObserver extends BodyObserver {
  /**
   * Whether the text so far ends between two events, so that an event appended now is read on
   * its own rather than as more lines of a half-sent one.
   */
  endsBetweenEvents(): boolean
}

/**
 * Far above any event a model sends, yet a body that never sends a blank line cannot make the
 * tap hold on to it all; past it the tap stops looking and the bytes still flow.
 */
const maxEventCharacters = 16 * 1024 * 1024

/** Content deltas: the model's own output, as opposed to a signature arriving. */
const tokenDeltaTypes = new Set(['text_delta', 'thinking_delta', 'input_json_delta'])

/** Watches Anthropic stream events given as values (by the code that made them). */
export interface EventObserver {
  observeEvent(event: unknown): void
  /** Whether the first token has gone by (later deltas need not be read). */
  readonly sawToken: boolean
  end(): BodyObservation
}

/**
 * The summary of a stream from its events: usage, stop reason, model, error, first-token
 * time. The SSE observer feeds it what it parses from bytes; a converter that makes the events
 * itself feeds it directly, and nothing is parsed back.
 */
export function createEventObserver(now: () => number): EventObserver {
  let stopped = false
  let error: ErrorSummary | undefined
  let usage: TokenUsage | undefined
  let stopReason: string | null | undefined
  let model: string | undefined
  let firstTokenAt: number | undefined

  return {
    observeEvent(value) {
      if (!isRecord(value)) return
      switch (value.type) {
        case 'message_start': {
          const message = value.message
          if (!isRecord(message)) return
          usage = mergeUsage(undefined, message.usage)
          stopReason = stopReasonOf(message.stop_reason)
          if (typeof message.model === 'string') model = message.model
          return
        }
        case 'content_block_delta': {
          const delta = value.delta
          if (firstTokenAt !== undefined || !isRecord(delta)) return
          if (!tokenDeltaTypes.has(String(delta.type))) return
          // The first tool-input delta is an empty `partial_json` sent before the model writes any.
          const text = delta.text ?? delta.thinking ?? delta.partial_json
          if (typeof text === 'string' && text !== '') firstTokenAt = now()
          return
        }
        case 'message_delta': {
          usage = mergeUsage(usage, value.usage)
          if (isRecord(value.delta))
            stopReason = stopReasonOf(value.delta.stop_reason) ?? stopReason
          return
        }
        case 'message_stop':
          stopped = true
          return
        case 'error':
          // An error event without a readable error still ended the answer.
          error ??= errorOf(value) ?? { type: 'api_error', message: '' }
          return
      }
    },
    get sawToken() {
      return firstTokenAt !== undefined
    },
    end: () => ({
      complete: stopped && error === undefined,
      error,
      usage,
      stopReason,
      model,
      firstTokenAt,
    }),
  }
}

/**
 * Reads Anthropic stream events as they pass and keeps only the summary (see
 * `createEventObserver`). The `type` inside each event's data is what counts, so `data:`-only
 * framing works as well as Anthropic's `event:` lines.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export function createSseObserver(now: () => number): SseObserver {
  const decoder = new TextDecoder()
  const events = createEventObserver(now)
  let tail = ''
  let parsing = true

  const take = (data: string) => {
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch {
      return
    }
    events.observeEvent(value)
  }

  const parser = createParser({
    onEvent: (event) => {
      // Anthropic names each event: most of a stream is deltas the summary does not need, so
      // after the first token they pass unread. Unnamed (`data:`-only) events are all read.
      if (
        event.event === 'ping' ||
        event.event === 'content_block_start' ||
        event.event === 'content_block_stop'
      )
        return
      if (event.event === 'content_block_delta' && events.sawToken) return
      take(event.data)
    },
    onError: (parseError) => {
      if (parseError.type === 'max-buffer-size-exceeded') parsing = false
    },
    maxBufferSize: maxEventCharacters,
  })

  const feed = (text: string) => {
    if (text === '') return
    tail = (text.length >= 4 ? text : tail + text).slice(-4)
    if (!parsing) return
    try {
      parser.feed(text)
    } catch {
      parsing = false
    }
  }

  return {
    observe: (bytes) => feed(decoder.decode(bytes, { stream: true })),
    end(): BodyObservation {
      feed(decoder.decode())
      return events.end()
    },
    endsBetweenEvents: () => endsWithBlankLine(tail),
  }
}

/**
 * Two line ends in a row (or nothing at all). `\r\n` is one line end, so it is taken whole
 * before a lone `\r` or `\n`; a `\r` at the very end counts, since nothing follows it any more.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
function endsWithBlankLine(text: string): boolean {
  const once = withoutLineEnd(text)
  if (once === undefined) return text === ''
  if (once === '') return true
  return withoutLineEnd(once) !== undefined
}

function withoutLineEnd(text: string): string | undefined {
  if (text.endsWith('\r\n')) return text.slice(0, -2)
  if (text.endsWith('\n') || text.endsWith('\r')) return text.slice(0, -1)
  return undefined
}
