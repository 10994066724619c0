import type { CacheConfig } from '../config/schema.ts'
import type { Logger } from '../observability/log.ts'
import type { Message } from '../protocol/events.ts'
import { cacheGet, cacheKeys, cachePut } from '../store/response-cache.ts'

type Store = Parameters<typeof cacheGet>[0]

export interface CachedAnswer {
  message: Message
  /** What the answer cost when it was made: what this hit saves. */
  costUsd: number | null
  provider: string
  model: string
}

export interface ResponseCache {
  /** The stored answer, if there is a live one. A miss never touches the disk. */
  lookup(key: string): CachedAnswer | undefined
  /** Stores an answer after the response is done; never throws. */
  store(entry: {
    key: string
    slot: string
    provider: string
    model: string
    message: Message
    costUsd: number | null
    ttlSeconds: number
  }): void
}

/**
 * The response cache over the store. The keys live in memory too (loaded at start), so a miss,
 * the usual case, costs a map lookup; only a hit reads SQLite, which beats the provider round
 * trip it replaces by far. Writes wait for the event loop's next turn, off the request path.
 */
export function createResponseCache(options: {
  db: Store
  limits: () => Pick<CacheConfig, 'maxEntries' | 'maxMegabytes'>
  log: Logger
  now?: () => number
}): ResponseCache {
  const now = options.now ?? Date.now
  const live = new Map(cacheKeys(options.db, now()).map((entry) => [entry.key, entry.expiresAt]))
  return {
    lookup(key) {
      const expiresAt = live.get(key)
      if (expiresAt === undefined) return undefined
      const at = now()
      const hit = expiresAt > at ? cacheGet(options.db, key, at) : undefined
      if (hit === undefined) {
        // Expired, or evicted to make room: forget it.
        live.delete(key)
        return undefined
      }
      return {
        message: JSON.parse(hit.message) as Message,
        costUsd: hit.costUsd,
        provider: hit.provider,
        model: hit.model,
      }
    },
    store(entry) {
      setImmediate(() => {
        const createdAt = now()
        const expiresAt = createdAt + entry.ttlSeconds * 1000
        const limits = options.limits()
        try {
          cachePut(
            options.db,
            { ...entry, message: JSON.stringify(entry.message), createdAt, expiresAt },
            {
              maxEntries: limits.maxEntries,
              maxBytes: Math.floor(limits.maxMegabytes * 1024 * 1024),
            },
          )
          live.set(entry.key, expiresAt)
        } catch (error) {
          options.log.warn('an answer could not be cached', {
            error: error instanceof Error ? error.message : String(error),
          })
        }
      })
    },
  }
}
