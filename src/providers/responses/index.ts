import { TypeCompiler } from '@sinclair/typebox/compiler'
import { effectiveModel } from '../../pricing/catalog.ts'
import { RouterError } from '../../lib/errors.ts'
import { observeMessage } from '../../observability/json-observer.ts'
import { createEventObserver } from '../../observability/sse-observer.ts'
import { createEndingRelay } from '../../observability/stream-ending.ts'
import { messageToEvents } from '../../protocol/message-events.ts'
import { encodeEvent } from '../../protocol/sse.ts'
import { postUpstream } from '../http.ts'
import { toAnthropicMessage } from '../openai/convert-response.ts'
import { translateEvents } from '../openai/translate-stream.ts'
import { thinkingSignature } from '../thinking-signature.ts'
import type { ProviderAdapter } from '../types.ts'
import { upstreamError } from '../upstream-error.ts'
import { logWarnings } from '../warnings.ts'
import { ResponseObject, ResponsesEvent } from './api.ts'
import { completionOf, createChunkReader } from './as-chat.ts'
import { convertRequest } from './convert-request.ts'

const pingIntervalMs = 10_000
const responseCheck = TypeCompiler.Compile(ResponseObject)
const now = () => performance.now()

/**
 * An OpenAI Responses API provider (`/v1/responses`: OpenAI's codex models, which speak
 * nothing else, and servers that copy it): the request converted, the answer converted back,
 * streamed event by event.
 *
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export const sendResponses: ProviderAdapter = async (call) => {
  const { provider, model, request } = call
  const converted = convertRequest({
    request,
    model,
    provider,
    modelEntry: effectiveModel(provider, model),
  })
  logWarnings(call.log, provider.name, 'request', converted.warnings)
  if (call.log.isEnabled('trace')) call.log.trace('upstream request body', { body: converted.body })

  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: request.stream === true ? 'text/event-stream' : 'application/json',
  }
  if (provider.apiKey !== '') headers.authorization = `Bearer ${provider.apiKey}`
  const response = await postUpstream(call, {
    url: provider.endpoint,
    headers,
    body: JSON.stringify(converted.body),
  })
  if (!response.ok) throw await upstreamError(provider.name, response)

  const options = {
    model,
    inputTokens: call.inputTokens,
    thinkingSignature: thinkingSignature(provider.name),
  }
  const isEventStream = (response.headers.get('content-type') ?? '').includes('text/event-stream')
  const events = createEventObserver(now)
  if (request.stream === true && isEventStream && response.body !== null) {
    const ending = createEndingRelay()
    const body = translateEvents(response.body, ResponsesEvent, createChunkReader, {
      ...options,
      pingIntervalMs,
      onEvent: events.observeEvent,
      ending,
    })
    return { response: new Response(body, { headers: sseHeaders }), events, ending }
  }

  const text = await response.text()
  let answer: unknown
  try {
    answer = JSON.parse(text)
  } catch {
    answer = undefined
  }
  if (!responseCheck.Check(answer) || !Array.isArray(answer.output)) {
    throw new RouterError('upstream_error', {
      status: 502,
      retryable: true,
      message: `Provider "${provider.name}" answered with something that is not a response: ${text.slice(0, 200)}`,
    })
  }
  if (answer.status === 'failed') {
    throw new RouterError('upstream_error', {
      status: 502,
      retryable: true,
      message: `Provider "${provider.name}" reported the response failed: ${answer.error?.message ?? 'no reason given'}`,
    })
  }
  const { message, warnings } = toAnthropicMessage(completionOf(answer), options)
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

const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }
