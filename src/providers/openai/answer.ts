import { RouterError } from '../../lib/errors.ts'
import { observeMessage } from '../../observability/json-observer.ts'
import { createEventObserver } from '../../observability/sse-observer.ts'
import { createEndingRelay } from '../../observability/stream-ending.ts'
import { messageToEvents } from '../../protocol/message-events.ts'
import { encodeEvent } from '../../protocol/sse.ts'
import { thinkingSignature } from '../thinking-signature.ts'
import type { ProviderAnswer, ProviderCall } from '../types.ts'
import { logWarnings } from '../warnings.ts'
import type { ChatCompletion } from './api.ts'
import { toAnthropicMessage } from './convert-response.ts'
import { toolNamesOf } from './text-tool-calls.ts'
import type { TranslateOptions } from './translate-stream.ts'

/** While a model is silent (reasoning, queueing), a ping goes out this often. */
const pingIntervalMs = 10_000
/**
 * Made here, not as an arrow inside an adapter: a closure made in an async function keeps the
 * function's whole scope alive (the request text, the parsed request, the upstream body bytes,
 * ~0.6 MB for a Claude Code turn) for as long as the answer streams.
 */
const now = () => performance.now()
const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }

/** The headers of a request to an OpenAI API (Chat Completions or Responses). */
export function openAIHeaders(call: Pick<ProviderCall, 'provider' | 'request'>) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: call.request.stream === true ? 'text/event-stream' : 'application/json',
  }
  if (call.provider.apiKey !== '') headers.authorization = `Bearer ${call.provider.apiKey}`
  return headers
}

/** How an OpenAI API's successful answer is read: its stream translated, or its whole body. */
export interface AnswerReader {
  translate(body: ReadableStream<Uint8Array>, options: TranslateOptions): ReadableStream<Uint8Array>
  /** The whole answer as a chat completion, or undefined when it is not one. */
  completion(parsed: unknown): ChatCompletion | undefined
  /** What the answer should have been, for the error when it is not. */
  expected: string
}

/**
 * A provider's successful answer in Anthropic's protocol: a stream translated as it comes, or
 * a whole answer converted (and replayed as events when the client streams but the provider
 * did not, or ignored `stream: true`).
 */
export async function anthropicAnswer(
  call: Pick<ProviderCall, 'provider' | 'model' | 'request' | 'inputTokens' | 'log'>,
  response: Response,
  reader: AnswerReader,
): Promise<ProviderAnswer> {
  const { provider, request } = call
  const options = {
    model: call.model,
    inputTokens: call.inputTokens,
    stopSequences: request.stop_sequences ?? [],
    thinkingSignature: thinkingSignature(provider.name),
    toolNames: toolNamesOf(request.tools),
  }
  const isEventStream = (response.headers.get('content-type') ?? '').includes('text/event-stream')
  const events = createEventObserver(now)
  if (request.stream === true && isEventStream && response.body !== null) {
    const ending = createEndingRelay()
    const body = reader.translate(response.body, {
      ...options,
      pingIntervalMs,
      onEvent: events.observeEvent,
      ending,
    })
    return { response: new Response(body, { headers: sseHeaders }), events, ending }
  }

  const text = await response.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const completion = reader.completion(parsed)
  if (completion === undefined) {
    throw new RouterError('upstream_error', {
      status: 502,
      retryable: true,
      message: `Provider "${provider.name}" answered with something that is not ${reader.expected}: ${text.slice(0, 200)}`,
    })
  }
  const { message, warnings } = toAnthropicMessage(completion, options)
  logWarnings(call.log, provider.name, 'answer', warnings)
  if (request.stream !== true) {
    return { response: Response.json(message), observed: observeMessage(message) }
  }
  const replayed = messageToEvents(message)
  for (const event of replayed) events.observeEvent(event)
  return {
    response: new Response(new Blob(replayed.map(encodeEvent)), { headers: sseHeaders }),
    events,
  }
}
