import { describe, expect, test } from 'bun:test'
import { isCacheable, settingsFor } from '../../src/cache/cacheable.ts'
import type { CacheConfig } from '../../src/config/schema.ts'

const config: CacheConfig = {
  enabled: false,
  ttlSeconds: 3600,
  maxEntries: 1000,
  maxMegabytes: 50,
  includeSampled: false,
  slots: {
    background: { enabled: true, ttlSeconds: 60 },
    think: { enabled: false },
    longContext: { ttlSeconds: 600 },
  },
}

describe('isCacheable', () => {
  test('temperature 0 is cached', () => {
    expect(isCacheable({ temperature: 0 }, { includeSampled: false })).toBe(true)
  })

  test('sampling the user did not opt into is not: no temperature, or one above 0', () => {
    expect(isCacheable({}, { includeSampled: false })).toBe(false)
    expect(isCacheable({ temperature: 1 }, { includeSampled: false })).toBe(false)
    expect(isCacheable({ temperature: 0.2 }, { includeSampled: false })).toBe(false)
  })

  test('with includeSampled, sampled requests are cached too', () => {
    expect(isCacheable({}, { includeSampled: true })).toBe(true)
    expect(isCacheable({ temperature: 1 }, { includeSampled: true })).toBe(true)
    expect(isCacheable({ temperature: 0 }, { includeSampled: true })).toBe(true)
  })
})

describe('settingsFor', () => {
  test('a slot without settings takes the global ones', () => {
    expect(settingsFor(config, 'default')).toEqual({ enabled: false, ttlSeconds: 3600 })
    expect(settingsFor({ ...config, enabled: true }, 'default')).toEqual({
      enabled: true,
      ttlSeconds: 3600,
    })
  })

  test("a slot's own settings win, field by field", () => {
    expect(settingsFor(config, 'background')).toEqual({ enabled: true, ttlSeconds: 60 })
    expect(settingsFor(config, 'longContext')).toEqual({ enabled: false, ttlSeconds: 600 })
    expect(settingsFor({ ...config, enabled: true }, 'longContext')).toEqual({
      enabled: true,
      ttlSeconds: 600,
    })
    expect(settingsFor({ ...config, enabled: true }, 'think')).toEqual({
      enabled: false,
      ttlSeconds: 3600,
    })
  })

  test('a slot named like an Object member finds nothing there', () => {
    expect(settingsFor(config, 'constructor')).toEqual({ enabled: false, ttlSeconds: 3600 })
  })
})
