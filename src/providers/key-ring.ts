import type { ProviderSettings } from '../config/providers.ts'
import { RouterError } from '../lib/errors.ts'
import { createRests, restFor } from './resting.ts'

/**
 * A provider's keys when it has several (`api_key: [...]`): each request starts at the next
 * key in turn, so the keys share the load; a key the provider rate-limited or rejected rests
 * (as a candidate does, `createRestingCandidates`) and goes last, and the request moves on to
 * the next key before any fallback. In memory, per router.
 */
export interface KeyRing {
  /** The keys to try, in order. A provider with one key (or none) gets it as it is. */
  keysFor(provider: ProviderSettings): readonly string[]
  /** The key failed in a way another key may not (`isKeyFailure`). */
  failed(provider: ProviderSettings, key: string, error: RouterError): void
  answered(provider: ProviderSettings, key: string): void
}

const rejectedRestMs = 10 * 60_000

export function createKeyRing(): KeyRing {
  const turns = new Map<string, number>()
  const rests = createRests()
  const id = (provider: ProviderSettings, key: string) => `${provider.name}\n${key}`
  return {
    keysFor(provider) {
      const keys = provider.apiKeys
      if (keys.length < 2) return keys
      const turn = turns.get(provider.name) ?? 0
      turns.set(provider.name, (turn + 1) % keys.length)
      const rotated = [...keys.slice(turn), ...keys.slice(0, turn)]
      return rests.restLast(rotated, (key) => id(provider, key)).order
    },
    failed(provider, key, error) {
      // A rejected key stays rejected until someone changes it: tried again seldom.
      rests.rest(
        id(provider, key),
        error.code === 'upstream_auth' ? rejectedRestMs : restFor(error),
      )
    },
    answered(provider, key) {
      if (provider.apiKeys.length > 1) rests.end(id(provider, key))
    },
  }
}

/** A failure that belongs to the key, not the provider: it was rate-limited or rejected. */
export function isKeyFailure(error: unknown): error is RouterError {
  return (
    error instanceof RouterError &&
    (error.code === 'upstream_auth' || (error.code === 'upstream_error' && error.status === 429))
  )
}
