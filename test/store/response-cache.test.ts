import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/db.ts'
import {
  cacheGet,
  cachePut,
  cacheStats,
  type CacheEntry,
  type CacheLimits,
} from '../../src/store/response-cache.ts'

let directory = ''
let db: Database

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'ccr-cache-'))
  db = openStore(join(directory, 'ccr.sqlite'))
})

afterEach(() => {
  db.close()
  rmSync(directory, { recursive: true, force: true })
})

const roomy: CacheLimits = { maxEntries: 100, maxBytes: 1_000_000 }

/** An entry stored at `createdAt` for an hour, whose message is `bytes` bytes long. */
function entry(key: string, createdAt: number, bytes = 10): CacheEntry {
  return {
    key,
    slot: 'default',
    provider: 'deepseek',
    model: 'deepseek-chat',
    message: JSON.stringify({ key }).padEnd(bytes, ' '),
    costUsd: 0.0125,
    createdAt,
    expiresAt: createdAt + 3_600_000,
  }
}

function storedKeys(): string[] {
  return db
    .query<{ key: string }, []>('SELECT key FROM response_cache ORDER BY key')
    .all()
    .map((row) => row.key)
}

function usageOf(key: string) {
  return db
    .query<{ hits: number; lastUsedAt: number }, [string]>(
      'SELECT hits, last_used_at AS lastUsedAt FROM response_cache WHERE key = ?',
    )
    .get(key)
}

describe('put and get', () => {
  test('a stored answer comes back with what it cost and who made it', () => {
    cachePut(db, entry('a', 1000, 40), roomy)
    expect(cacheGet(db, 'a', 2000)).toEqual({
      message: entry('a', 1000, 40).message,
      costUsd: 0.0125,
      provider: 'deepseek',
      model: 'deepseek-chat',
    })
    expect(cacheGet(db, 'b', 2000)).toBeUndefined()
  })

  test('an unknown cost stays unknown', () => {
    cachePut(db, { ...entry('a', 1000), costUsd: null }, roomy)
    expect(cacheGet(db, 'a', 2000)?.costUsd).toBeNull()
  })

  test('each hit is counted and touches the entry', () => {
    cachePut(db, entry('a', 1000), roomy)
    expect(usageOf('a')).toEqual({ hits: 0, lastUsedAt: 1000 })
    cacheGet(db, 'a', 2000)
    cacheGet(db, 'a', 3000)
    expect(usageOf('a')).toEqual({ hits: 2, lastUsedAt: 3000 })
    cacheGet(db, 'missing', 4000)
    expect(usageOf('a')).toEqual({ hits: 2, lastUsedAt: 3000 })
  })

  test('a new answer under the same key replaces the old one and starts over', () => {
    cachePut(db, entry('a', 1000), roomy)
    cacheGet(db, 'a', 2000)
    cachePut(db, { ...entry('a', 5000), message: '{"new":true}', costUsd: 0.5 }, roomy)
    expect(usageOf('a')).toEqual({ hits: 0, lastUsedAt: 5000 })
    expect(cacheGet(db, 'a', 6000)).toMatchObject({ message: '{"new":true}', costUsd: 0.5 })
    expect(cacheStats(db)).toEqual({ entries: 1, bytes: 12 })
  })

  test('sizes are counted in UTF-8 bytes', () => {
    cachePut(db, { ...entry('a', 1000), message: '"héllo 👋"' }, roomy)
    expect(cacheStats(db)).toEqual({ entries: 1, bytes: 13 })
  })

  test('an empty cache', () => {
    expect(cacheStats(db)).toEqual({ entries: 0, bytes: 0 })
  })
})

describe('expiry', () => {
  test('an answer is served until it expires, not from then on', () => {
    cachePut(db, entry('a', 1000), roomy)
    expect(cacheGet(db, 'a', 1000 + 3_600_000 - 1)).toBeDefined()
    expect(cacheGet(db, 'a', 1000 + 3_600_000)).toBeUndefined()
    // A miss on an expired row does not count as a hit.
    expect(usageOf('a')?.hits).toBe(1)
  })

  test('expired rows go at the next put', () => {
    cachePut(db, entry('a', 1000), roomy)
    cachePut(db, { ...entry('short', 1000), expiresAt: 2000 }, roomy)
    cachePut(db, entry('b', 2000), roomy)
    expect(storedKeys()).toEqual(['a', 'b'])
  })
})

describe('least recently used eviction', () => {
  test('by count: the entry touched last survives', () => {
    const limits = { maxEntries: 2, maxBytes: 1_000_000 }
    cachePut(db, entry('a', 1000), limits)
    cachePut(db, entry('b', 2000), limits)
    expect(cacheGet(db, 'a', 3000)).toBeDefined()
    cachePut(db, entry('c', 4000), limits)
    expect(storedKeys()).toEqual(['a', 'c'])
    cachePut(db, entry('d', 5000), limits)
    expect(storedKeys()).toEqual(['c', 'd'])
  })

  test('by size: the oldest go until the rest fit', () => {
    const limits = { maxEntries: 100, maxBytes: 250 }
    cachePut(db, entry('a', 1000, 100), limits)
    cachePut(db, entry('b', 2000, 100), limits)
    expect(cacheGet(db, 'a', 3000)).toBeDefined()
    cachePut(db, entry('c', 4000, 100), limits)
    expect(storedKeys()).toEqual(['a', 'c'])
    expect(cacheStats(db)).toEqual({ entries: 2, bytes: 200 })
    // A big answer pushes out both older ones.
    cachePut(db, entry('d', 5000, 240), limits)
    expect(storedKeys()).toEqual(['d'])
  })

  test('both caps hold at once', () => {
    const limits = { maxEntries: 3, maxBytes: 250 }
    for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) {
      cachePut(db, entry(key, 1000 * (index + 1), 50), limits)
    }
    expect(storedKeys()).toEqual(['b', 'c', 'd'])
    // 160 + 50 + 50 is over 250: c goes although the count would allow it.
    cachePut(db, entry('e', 5000, 160), limits)
    expect(storedKeys()).toEqual(['d', 'e'])
  })

  test('an answer bigger than the size cap on its own is not kept, and evicts nothing', () => {
    cachePut(db, entry('a', 1000, 100), { maxEntries: 100, maxBytes: 250 })
    cachePut(db, entry('huge', 2000, 300), { maxEntries: 100, maxBytes: 250 })
    expect(storedKeys()).toEqual(['a'])
  })
})

describe('the store on disk', () => {
  test('entries outlive the connection', () => {
    cachePut(db, entry('a', 1000), roomy)
    db.close()
    db = openStore(join(directory, 'ccr.sqlite'))
    expect(cacheGet(db, 'a', 2000)?.provider).toBe('deepseek')
  })
})
