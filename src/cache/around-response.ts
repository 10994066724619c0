import type { ActiveConfig } from '../config/active.ts'
import type { BodyCollector } from '../observability/body-observation.ts'
import type { Logger } from '../observability/log.ts'
import type { Prices } from '../pricing/prices.ts'
import type { MessagesRequest } from '../protocol/messages.ts'
import type { Candidate, RouteDecision } from '../router/route.ts'
import { cacheKey } from './cache-key.ts'
import { isCacheable, settingsFor } from './cacheable.ts'
import { createCollector } from './collect-message.ts'
import { replayResponse } from './replay.ts'
import type { CachedAnswer, ResponseCache } from './response-cache.ts'

/** How this request uses the cache: its key and limits, when it may be served from and stored in it. */
export interface Caching {
  key: string
  slot: string
  ttlSeconds: number
  maxBytes: number
}

export function cachingFor(options: {
  request: MessagesRequest
  decision: RouteDecision
  active: ActiveConfig
  cache: ResponseCache | undefined
}): Caching | undefined {
  const settings = options.active.config.Cache
  const slot = settingsFor(settings, options.decision.slot)
  if (options.cache === undefined || !slot.enabled || !isCacheable(options.request, settings))
    return undefined
  return {
    key: cacheKey({
      reference: options.decision.candidates[0].reference,
      request: options.request,
    }),
    slot: options.decision.slot,
    ttlSeconds: slot.ttlSeconds,
    maxBytes: Math.floor(settings.maxMegabytes * 1024 * 1024),
  }
}

/** A cached answer served again, streamed or not, as the client asked. */
export function replayHit(hit: CachedAnswer, options: { stream: boolean; log: Logger }): Response {
  options.log.info('cache hit', { provider: hit.provider, model: hit.model, savedUsd: hit.costUsd })
  const response = replayResponse(hit.message, {
    stream: options.stream,
    newId: () => `msg_${Bun.randomUUIDv7().replaceAll('-', '')}`,
  })
  response.headers.set('x-ccr-cache', 'hit')
  return response
}

/**
 * What stores the provider's complete answer in the cache once it has ended well, fed by the
 * usage tap as the bytes pass (undefined for an answer that is not 2xx: nothing to store).
 */
export function storeWhenDone(
  response: Response,
  options: { caching: Caching; cache: ResponseCache; served: Candidate; prices: Prices },
): BodyCollector | undefined {
  if (response.status < 200 || response.status >= 300 || response.body === null) return undefined
  const { caching, served } = options
  return createCollector(response.headers.get('content-type') ?? '', {
    maxBytes: caching.maxBytes,
    onMessage: (message) => {
      const usage = message.usage
      const tokens = {
        input: usage.input_tokens,
        output: usage.output_tokens,
        cacheRead: usage.cache_read_input_tokens ?? 0,
        cacheWrite: usage.cache_creation_input_tokens ?? 0,
      }
      options.cache.store({
        key: caching.key,
        slot: caching.slot,
        provider: served.provider.name,
        model: served.model,
        message,
        costUsd: options.prices.costOf(served.provider, served.model, tokens, Date.now()),
        ttlSeconds: caching.ttlSeconds,
      })
    },
  })
}
