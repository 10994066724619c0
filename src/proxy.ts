import type { ConfigSource } from './config/active.ts'
import type { Logger } from './observability/log.ts'
import { MessagesRequest } from './protocol/messages.ts'
import { parseBody } from './protocol/parse.ts'
import { adapters } from './providers/registry.ts'
import { route } from './router/route.ts'
import type { TokenCounter } from './tokens/counter.ts'
import { estimateInputTokens } from './tokens/estimate.ts'

export interface MessagesCall {
  /** The body exactly as received. */
  body: string
  headers: Headers
  /** Aborted when the client disconnects. */
  signal: AbortSignal
  /** Carries the request id. */
  log: Logger
}

export interface ProxyDeps {
  config: ConfigSource
  /** The token counter, once its tokenizer has loaded. */
  tokens: () => Promise<TokenCounter>
}

/**
 * `POST /v1/messages`, the whole story: parse → estimate → route → send through the
 * provider's adapter → respond with headers that say what happened. Each step lives in its
 * own module.
 */
export async function handleMessages(call: MessagesCall, deps: ProxyDeps): Promise<Response> {
  const active = deps.config.current()
  const request = parseBody(MessagesRequest, call.body)
  if (call.log.isEnabled('trace')) call.log.trace('request body', { body: call.body })
  const inputTokens = estimateInputTokens(request, await deps.tokens())

  const decision = route(request.model, active)
  const { provider, model } = decision
  call.log.info('route', {
    requested: request.model,
    provider: provider.name,
    model,
    slot: decision.slot,
    reason: decision.reason,
    stream: request.stream === true,
    inputTokens,
  })

  const response = await adapters[provider.protocol]({
    provider,
    model,
    request,
    rawBody: call.body,
    clientHeaders: call.headers,
    signal: call.signal,
    inputTokens,
    timeoutMs: active.config.API_TIMEOUT_MS,
    proxy: active.proxy,
    log: call.log,
  })
  response.headers.set('x-ccr-provider', provider.name)
  response.headers.set('x-ccr-model', model)
  response.headers.set('x-ccr-slot', decision.slot)
  return response
}
