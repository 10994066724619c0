import type { CacheConfig } from '../config/schema.ts'
import type { MessagesRequest } from '../protocol/messages.ts'

/** The cache settings that apply to one routing slot. */
export interface SlotCacheSettings {
  enabled: boolean
  ttlSeconds: number
}

/**
 * Whether an answer to `request` may be stored and served again. Only a request that asked for
 * no randomness (`temperature: 0`) is, unless the user opted into caching sampled answers: no
 * `temperature` at all means the provider's default, which samples (Claude Code never sets one),
 * and serving one sample forever would quietly change what such a request means.
 */
export function isCacheable(
  request: Pick<MessagesRequest, 'temperature'>,
  settings: Pick<CacheConfig, 'includeSampled'>,
): boolean {
  return request.temperature === 0 || settings.includeSampled
}

/**
 * The global settings with the slot's own over them, field by field: a slot can turn the cache
 * on while it is off globally (or off while it is on), and keep answers for longer or shorter.
 */
export function settingsFor(
  config: Pick<CacheConfig, 'enabled' | 'ttlSeconds' | 'slots'>,
  slot: string,
): SlotCacheSettings {
  // Own keys only: a slot named like an Object.prototype member must not find one.
  const own = Object.hasOwn(config.slots, slot) ? config.slots[slot] : undefined
  return {
    enabled: own?.enabled ?? config.enabled,
    ttlSeconds: own?.ttlSeconds ?? config.ttlSeconds,
  }
}
