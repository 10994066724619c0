import { messageOf } from '../lib/errors.ts'
import { encodeEvent } from '../protocol/sse.ts'
import type {
  BodyCollector,
  BodyObservation,
  BodyObserver,
  ErrorSummary,
  TokenUsage,
} from './body-observation.ts'
import { createJsonObserver } from './json-observer.ts'
import { createSseObserver, type EventObserver, type SseObserver } from './sse-observer.ts'
import type { EndingRelay, StreamEnding } from './stream-ending.ts'

/** What a finished response turned out to be. */
export interface ResponseSummary {
  /** HTTP status sent to the client. */
  status: number
  streamed: boolean
  /** True when the answer ended properly (message_stop, or a complete JSON message). */
  complete: boolean
  /**
   * Why not: 'client_closed' (the client cancelled), 'upstream_error' (an `error` event or a
   * broken upstream body), 'truncated' (a 2xx body ended without message_stop or a whole
   * message). Absent for an error status with an intact body: the status already says it.
   */
  failure?: 'client_closed' | 'upstream_error' | 'truncated'
  /** The Anthropic error: from an `error` event, an error JSON body, or a broken upstream body. */
  error?: ErrorSummary
  /**
   * Usage as the final message would have it: message_start usage updated by message_delta's
   * (the SDK's accumulation rules: message_delta's fields override when present).
   */
  usage?: TokenUsage
  stopReason?: string | null
  model?: string
  /** Milliseconds from `startedAt` to the first body byte. */
  firstByteMs?: number
  /** Milliseconds from `startedAt` to the first content delta (text, thinking or tool input). */
  firstTokenMs?: number
  /** Milliseconds from `startedAt` to the end of the body. */
  totalMs: number
}

export interface TapOptions {
  /** performance.now() when the request arrived. */
  startedAt: number
  /**
   * Called exactly once, when the body ends, errors or is cancelled (also for a response
   * without body). Errors it throws are caught and ignored: they must not reach the stream.
   */
  onDone: (summary: ResponseSummary) => void
  /**
   * For an SSE body: when the upstream body fails mid-stream (network error), append an
   * Anthropic `error` event and close the stream normally, instead of cutting the client's
   * connection without a word. Default true.
   */
  appendErrorEvent?: boolean
  /**
   * The summary of an SSE body whose events were watched as they were made (a translated
   * stream): its bytes are then passed on without being parsed back.
   */
  events?: EventObserver
  /**
   * With `events`: the body's maker reports its end and first byte itself, so the body is
   * passed on as it is, without another stream stage around it.
   */
  ending?: EndingRelay
  /**
   * A whole JSON body its maker has read already (a translated message): the response is
   * passed on as it is, and this is the verdict once it is handed to the server.
   */
  observed?: BodyObservation
  /**
   * Fed the same bytes as they pass, then told whether the body reached its end (the response
   * cache). With a collector the bytes are always read here: `ending` and `observed` then
   * only describe the body, and do not spare the stream stage.
   */
  collector?: BodyCollector
  now?: () => number
}

/**
 * The same response, observed on its way to the client: the body's bytes pass chunk for chunk,
 * each handed on before it is looked at, and `onDone` hears what the response turned out to be.
 *
 * The body is a pull-based stream over the original's reader rather than a `pipeThrough`:
 * behind a pipe, an upstream failure errors the client's side before a transform could add the
 * `error` event. Pulling one chunk per read of the client keeps backpressure exact; the
 * client's cancel cancels the upstream body, which aborts its request.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events
 */
export function tapResponse(response: Response, options: TapOptions): Response {
  const now = options.now ?? (() => performance.now())
  const status = response.status
  const { collector } = options
  if (options.observed !== undefined && collector === undefined) {
    const at = now()
    const ending = { kind: 'ended' } as const
    const observation = options.observed
    report(
      options.onDone,
      summarize({
        status,
        streamed: false,
        ending,
        observation,
        firstByteAt: at,
        now: () => at,
        options,
      }),
    )
    return response
  }
  const appendErrorEvent = options.appendErrorEvent ?? true
  // A copy, because the caller adds its own headers to the response it gets back.
  const init = { status, statusText: response.statusText, headers: new Headers(response.headers) }
  const contentType = init.headers.get('content-type')?.toLowerCase() ?? ''
  const streamed = contentType.includes('text/event-stream')
  const sse: SseObserver | undefined = !streamed
    ? undefined
    : options.events === undefined
      ? createSseObserver(now)
      : watchedEvents(options.events)
  const observer: BodyObserver = sse ?? createJsonObserver()

  let firstByteAt: number | undefined
  let finished = false
  // A body its maker has read already is not read again.
  let observing = options.observed === undefined
  const finish = (ending: StreamEnding, observed?: BodyObservation) => {
    if (finished) return
    finished = true
    const observation = observed ?? options.observed ?? observer.end()
    report(
      options.onDone,
      summarize({ status, streamed, ending, observation, firstByteAt, now, options }),
    )
    collector?.end(ending.kind === 'ended')
  }

  const source = response.body
  if (source === null) {
    finish({ kind: 'ended' })
    return new Response(null, init)
  }
  if (
    sse !== undefined &&
    options.events !== undefined &&
    options.ending !== undefined &&
    collector === undefined
  ) {
    options.ending.listen((ending, at) => {
      firstByteAt = at
      finish(ending)
    })
    return new Response(source, init)
  }
  const reader = source.getReader()

  const upstreamFailed = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    error: unknown,
  ) => {
    const observation = observer.end()
    // After message_stop the answer is whole: what fails after it costs the client nothing.
    if (sse !== undefined && observation.complete) {
      controller.close()
      finish({ kind: 'ended' }, observation)
      return
    }
    const broken = {
      type: 'api_error',
      message: `The provider's stream broke off: ${messageOf(error)}`,
    }
    if (sse !== undefined && appendErrorEvent) {
      controller.enqueue(errorEvent(broken, sse.endsBetweenEvents()))
      controller.close()
    } else {
      controller.error(error)
    }
    finish({ kind: 'broken', error: broken }, observation)
  }

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await reader.read().catch((error: unknown) => ({ failure: error }))
        // The client cancelled while this read waited; its side is closed already.
        if (finished) return
        if ('failure' in next) return upstreamFailed(controller, next.failure)
        if (next.done) {
          controller.close()
          finish({ kind: 'ended' })
          return
        }
        const bytes = next.value
        if (firstByteAt === undefined && bytes.byteLength > 0) firstByteAt = now()
        controller.enqueue(bytes)
        collector?.observe(bytes)
        if (!observing) return
        try {
          observer.observe(bytes)
        } catch {
          // Observation is best effort; the bytes have gone out, and keep going out.
          observing = false
        }
      },
      async cancel(reason) {
        finish({ kind: 'client_closed' })
        await reader.cancel(reason)
      },
    },
    // No read-ahead: the upstream is read exactly as fast as the client reads.
    { highWaterMark: 0 },
  )
  return new Response(body, init)
}

function report(onDone: TapOptions['onDone'], summary: ResponseSummary): void {
  try {
    onDone(summary)
  } catch {
    // The summary is for the router's records; the client's answer must not depend on it.
  }
}

/** Events watched by their maker; the bytes are whole events, so an error can follow any chunk. */
function watchedEvents(events: EventObserver): SseObserver {
  return { observe: () => {}, end: () => events.end(), endsBetweenEvents: () => true }
}

/**
 * The `error` event Anthropic sends when an answer fails mid-stream. After a half-sent event,
 * a blank line first ends it, so the client reads the error as an event of its own.
 */
function errorEvent(error: ErrorSummary, betweenEvents: boolean): Uint8Array {
  const event = encodeEvent({ type: 'error', error })
  if (betweenEvents) return event
  const framed = new Uint8Array(event.byteLength + 2)
  framed.set([10, 10])
  framed.set(event, 2)
  return framed
}

interface SummaryInput {
  status: number
  streamed: boolean
  ending: StreamEnding
  observation: BodyObservation
  firstByteAt: number | undefined
  now: () => number
  options: Pick<TapOptions, 'startedAt'>
}

function summarize(input: SummaryInput): ResponseSummary {
  const { status, ending, observation, options } = input
  const success = status >= 200 && status < 300
  const error = observation.error ?? (ending.kind === 'broken' ? ending.error : undefined)
  const complete = success && observation.complete && error === undefined
  const since = (time: number | undefined) =>
    time === undefined ? undefined : time - options.startedAt
  return {
    status,
    streamed: input.streamed,
    complete,
    failure: complete ? undefined : failureOf(ending, success, error !== undefined),
    error,
    usage: observation.usage,
    stopReason: observation.stopReason,
    model: observation.model,
    firstByteMs: since(input.firstByteAt),
    firstTokenMs: since(observation.firstTokenAt),
    totalMs: input.now() - options.startedAt,
  }
}

function failureOf(
  ending: StreamEnding,
  success: boolean,
  hasError: boolean,
): ResponseSummary['failure'] {
  if (ending.kind === 'client_closed') return 'client_closed'
  if (ending.kind === 'broken') return 'upstream_error'
  if (!success) return undefined
  return hasError ? 'upstream_error' : 'truncated'
}
