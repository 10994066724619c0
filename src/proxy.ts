import type { ConfigSource } from './config/active.ts'
import { RouterError } from './lib/errors.ts'
import type { Logger } from './observability/log.ts'
import { MessagesRequest } from './protocol/messages.ts'
import { parseBody } from './protocol/parse.ts'
import { adapters } from './providers/registry.ts'
import { route } from './router/route.ts'

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
}

/**
 * `POST /v1/messages`, the whole story: parse → route → send through the provider's adapter
 * → respond with headers that say what happened. Each step lives in its own module.
 */
export async function handleMessages(call: MessagesCall, deps: ProxyDeps): Promise<Response> {
  const active = deps.config.current()
  const request = parseBody(MessagesRequest, call.body)
  if (call.log.isEnabled('trace')) call.log.trace('request body', { body: call.body })

  const decision = route(request.model, active)
  const { provider, model } = decision
  const adapter = adapters[provider.protocol]
  if (adapter === undefined) {
    throw new RouterError('route_not_found', {
      status: 400,
      errorType: 'invalid_request_error',
      message: `Provider "${provider.name}" speaks ${provider.protocol}, which this version of ccr cannot translate to yet`,
    })
  }
  call.log.info('route', {
    requested: request.model,
    provider: provider.name,
    model,
    slot: decision.slot,
    reason: decision.reason,
    stream: request.stream === true,
  })

  const response = await adapter({
    provider,
    model,
    request,
    rawBody: call.body,
    clientHeaders: call.headers,
    signal: call.signal,
    timeoutMs: active.config.API_TIMEOUT_MS,
    proxy: active.proxy,
    log: call.log,
  })
  response.headers.set('x-ccr-provider', provider.name)
  response.headers.set('x-ccr-model', model)
  response.headers.set('x-ccr-slot', decision.slot)
  return response
}
