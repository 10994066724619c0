import { effectiveModel } from '../../pricing/catalog.ts'
import { RouterError } from '../../lib/errors.ts'
import { encodeEvent } from '../../protocol/sse.ts'
import { observeMessage } from '../../observability/json-observer.ts'
import { createEventObserver } from '../../observability/sse-observer.ts'
import { createEndingRelay } from '../../observability/stream-ending.ts'
import { postUpstream } from '../http.ts'
import { thinkingSignature } from '../thinking-signature.ts'
import type { ProviderAdapter } from '../types.ts'
import { upstreamError } from '../upstream-error.ts'
import { logWarnings } from '../warnings.ts'
import { ChatCompletion } from './api.ts'
import { convertRequest, serializeChatRequest, type ConvertedRequest } from './convert-request.ts'
import {
  foldsSystem,
  foldSystemMessages,
  refusedSystemPlacement,
  rememberFolding,
} from './fold-system.ts'
import { messageToEvents } from '../../protocol/message-events.ts'
import { toAnthropicMessage } from './convert-response.ts'
import { toolNamesOf } from './text-tool-calls.ts'
import { translateStream } from './translate-stream.ts'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/** While a model is silent (reasoning, queueing), a ping goes out this often. */
const pingIntervalMs = 10_000
const completionCheck = TypeCompiler.Compile(ChatCompletion)
/**
 * Made here, not as an arrow inside `sendOpenAI`: a closure made in an async function keeps the
 * function's whole scope alive (the request text, the parsed request, the upstream body bytes,
 * ~0.6 MB for a Claude Code turn) for as long as the answer streams.
 */
const now = () => performance.now()

/**
 * An OpenAI Chat Completions provider (OpenAI, DeepSeek, OpenRouter, Groq, Ollama, vLLM, …):
 * the request converted, the answer converted back, streamed event by event.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export const sendOpenAI: ProviderAdapter = async (call) => {
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
  const send = (body: ConvertedRequest) =>
    postUpstream(call, {
      url: provider.endpoint,
      headers,
      body: (buffer) => serializeChatRequest(body, buffer),
    })
  const folded = foldsSystem(provider.endpoint, model) ? withSystemFolded(converted) : undefined
  let response = await send(folded ?? converted)
  if (!response.ok && response.status === 400 && folded === undefined) {
    // A strict chat template refusing system messages after the first: folded, and again.
    const refused = await upstreamError(provider.name, response)
    const retry = withSystemFolded(converted)
    if (retry === undefined || !refusedSystemPlacement(refused.message)) throw refused
    call.log.warn(
      `${provider.name},${model} takes system messages only first: ccr folds the others into user messages from now on`,
      { provider: provider.name, model, refused: refused.message },
    )
    rememberFolding(provider.endpoint, model)
    response = await send(retry)
  }
  if (!response.ok) throw await upstreamError(provider.name, response)

  const options = {
    model,
    inputTokens: call.inputTokens,
    stopSequences: request.stop_sequences ?? [],
    thinkingSignature: thinkingSignature(provider.name),
    toolNames: toolNamesOf(request.tools),
  }
  const isEventStream = (response.headers.get('content-type') ?? '').includes('text/event-stream')
  const events = createEventObserver(now)
  if (request.stream === true && isEventStream && response.body !== null) {
    const ending = createEndingRelay()
    const body = translateStream(response.body, {
      ...options,
      pingIntervalMs,
      onEvent: events.observeEvent,
      ending,
    })
    return { response: new Response(body, { headers: sseHeaders }), events, ending }
  }

  // Not streamed (asked so, or the provider ignored `stream: true`).
  const text = await response.text()
  let completion: unknown
  try {
    completion = JSON.parse(text)
  } catch {
    completion = undefined
  }
  if (!completionCheck.Check(completion)) {
    throw new RouterError('upstream_error', {
      status: 502,
      retryable: true,
      message: `Provider "${provider.name}" answered with something that is not a chat completion: ${text.slice(0, 200)}`,
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

function withSystemFolded(converted: ConvertedRequest): ConvertedRequest | undefined {
  const messages = foldSystemMessages(converted.body.messages)
  return messages === undefined
    ? undefined
    : { ...converted, body: { ...converted.body, messages } }
}

const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }
