import type { Database } from 'bun:sqlite'

/** One answer to keep: the Anthropic message as JSON text, and what it cost to make. */
export interface CacheEntry {
  /** `cacheKey()` of the request. */
  key: string
  /** The routing slot that decided, so per-slot settings and reports can tell entries apart. */
  slot: string
  provider: string
  model: string
  /** The complete Anthropic message, JSON. */
  message: string
  /** What the answer cost upstream; null when the price is unknown (never counted as free). */
  costUsd: number | null
  /** Unix ms: when it was stored. Also the clock that decides which rows have expired. */
  createdAt: number
  /** Unix ms: from then on the entry is not served. */
  expiresAt: number
}

/** What a hit gives back. */
export interface CacheHit {
  message: string
  costUsd: number | null
  provider: string
  model: string
}

/** The caps `cachePut` restores after writing. */
export interface CacheLimits {
  maxEntries: number
  maxBytes: number
}

export interface CacheStats {
  entries: number
  /** The stored messages' size in UTF-8 bytes. */
  bytes: number
}

type Bindings = Record<string, string | number | null>

// One statement: a hit is also the touch that keeps the entry from being evicted next.
const getSql = `
  UPDATE response_cache
  SET last_used_at = $now, hits = hits + 1
  WHERE key = $key AND expires_at > $now
  RETURNING message, cost_usd AS costUsd, provider, model`

// A replaced answer starts over: new age, no hits.
const putSql = `
  INSERT OR REPLACE INTO response_cache
    (key, slot, provider, model, message, bytes, cost_usd, created_at, expires_at, last_used_at, hits)
  VALUES
    ($key, $slot, $provider, $model, $message, $bytes, $costUsd, $createdAt, $expiresAt, $createdAt, 0)`

const deleteExpiredSql = `DELETE FROM response_cache WHERE expires_at <= $now`

/**
 * Least recently used first out: walking from the most recently used down, a row stays while
 * both the count and the running size still fit; every row after the first that does not fit
 * goes. That is the same as evicting the oldest one at a time until both caps hold.
 */
const evictSql = `
  DELETE FROM response_cache WHERE key IN (
    SELECT key FROM (
      SELECT
        key,
        ROW_NUMBER() OVER newest_first AS position,
        SUM(bytes) OVER newest_first AS running_bytes
      FROM response_cache
      WINDOW newest_first AS (
        ORDER BY last_used_at DESC, created_at DESC, key
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      )
    )
    WHERE position > $maxEntries OR running_bytes > $maxBytes
  )`

const statsSql = `
  SELECT COUNT(*) AS entries, COALESCE(SUM(bytes), 0) AS bytes
  FROM response_cache`

/** The stored answer for `key`, unless it has expired by `now` (Unix ms); a hit is counted. */
export function cacheGet(db: Database, key: string, now: number): CacheHit | undefined {
  const row = db.query<CacheHit, [Bindings]>(getSql).get({ key, now })
  return row ?? undefined
}

/**
 * Stores an answer (replacing any under the same key), then drops expired rows and the least
 * recently used ones until both caps hold, in one transaction. An answer bigger than `maxBytes`
 * on its own is not stored: evicting for it would empty the cache and still not make it fit.
 */
export function cachePut(db: Database, entry: CacheEntry, limits: CacheLimits): void {
  const bytes = Buffer.byteLength(entry.message, 'utf8')
  if (bytes > limits.maxBytes) return
  db.transaction(() => {
    db.query<unknown, [Bindings]>(putSql).run({ ...entry, bytes })
    db.query<unknown, [Bindings]>(deleteExpiredSql).run({ now: entry.createdAt })
    db.query<unknown, [Bindings]>(evictSql).run({
      maxEntries: limits.maxEntries,
      maxBytes: limits.maxBytes,
    })
  })()
}

/** How many answers are stored, and their size. */
export function cacheStats(db: Database): CacheStats {
  const row = db.query<CacheStats, []>(statsSql).get()
  return row ?? { entries: 0, bytes: 0 }
}

/** Every unexpired key and when it expires: the in-memory index a server keeps of the cache. */
export function cacheKeys(db: Database, now: number): { key: string; expiresAt: number }[] {
  return db
    .query<{ key: string; expiresAt: number }, [number]>(
      'SELECT key, expires_at AS expiresAt FROM response_cache WHERE expires_at > ?',
    )
    .all(now)
}
