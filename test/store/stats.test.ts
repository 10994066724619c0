import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { openStore } from '../../src/store/db.ts'
import { insertRows, type LedgerRow } from '../../src/store/ledger.ts'
import {
  percentile,
  providerHealth,
  report,
  type Dimension,
  type StatsFilter,
} from '../../src/store/stats.ts'
import { tempHome } from '../helpers.ts'
import { ledgerRow } from '../ledger-rows.ts'

// Local noon, so the local calendar day is the one written whatever the time zone.
const day1 = new Date(2025, 0, 10, 12).getTime()
const day2 = new Date(2025, 0, 11, 12).getTime()
const day4 = new Date(2025, 0, 13, 12).getTime()

/** Six requests over three days (none on Jan 12), each kind the report has to tell apart. */
const seed: LedgerRow[] = [
  ledgerRow({
    time: day1,
    sessionId: 's1',
    project: '/p/one',
    inputTokens: 1000,
    outputTokens: 200,
    cacheReadTokens: 4000,
    cacheWriteTokens: 0,
    latencyMs: 1000,
    ttftMs: 200,
    outputTps: 50,
    costUsd: 0.25,
    anthropicCostUsd: 1.25,
  }),
  ledgerRow({
    time: day1 + 1000,
    sessionId: 's1',
    project: '/p/one',
    slot: 'think',
    inputTokens: 3000,
    outputTokens: 800,
    cacheReadTokens: 0,
    cacheWriteTokens: 1000,
    reasoningTokens: 300,
    latencyMs: 3000,
    ttftMs: 400,
    outputTps: 30,
    costUsd: 0.5,
    anthropicCostUsd: 2.5,
  }),
  // Served, but the model has no known price.
  ledgerRow({
    time: day2,
    sessionId: 's2',
    project: '/p/two',
    slot: 'background',
    provider: 'deep',
    model: 'ds-chat',
    inputTokens: 500,
    outputTokens: 100,
    latencyMs: 500,
    ttftMs: 100,
    outputTps: 80,
    anthropicCostUsd: 0.75,
  }),
  // An upstream error: no price expected.
  ledgerRow({
    time: day2 + 1000,
    sessionId: 's2',
    project: '/p/two',
    status: 502,
    complete: false,
    latencyMs: 200,
  }),
  // A response cache hit: paid nothing, saved what the first answer cost.
  ledgerRow({
    time: day4,
    project: '/p/one',
    cacheHit: true,
    costUsd: 0,
    savedUsd: 0.5,
    latencyMs: 5,
    ttftMs: 5,
  }),
  // Refused before routing: nothing served it.
  ledgerRow({
    time: day4 + 1000,
    slot: 'none',
    provider: null,
    model: null,
    attempts: [],
    status: 400,
    complete: false,
    latencyMs: 1,
  }),
]

const totals = (db: Database, filter: StatsFilter) => report(db, filter, []).totals
const breakdown = (db: Database, by: Dimension, filter: StatsFilter) =>
  report(db, filter, [by]).breakdowns[0]?.rows ?? []
const dailySeries = (db: Database, filter: StatsFilter) => report(db, filter, []).daily

let home: ReturnType<typeof tempHome>
let db: Database

beforeEach(() => {
  home = tempHome()
  db = openStore(join(home.home, 'ccr.db'))
})

afterEach(() => {
  db.close()
  home[Symbol.dispose]()
})

describe('totals', () => {
  test('sums, medians, the saving, and unknown prices kept apart', () => {
    insertRows(db, seed)
    expect(totals(db, {})).toEqual({
      requests: 6,
      errors: 2,
      cacheHits: 1,
      inputTokens: 4500,
      outputTokens: 1100,
      cacheReadTokens: 4000,
      cacheWriteTokens: 1000,
      reasoningTokens: 300,
      costUsd: 0.75,
      unknownCostRequests: 1,
      // 1.25 + 2.5 for the two requests priced both ways, plus the 0.5 the cache hit saved.
      anthropicBaselineUsd: 4.25,
      savingUsd: 3.5,
      cacheSavedUsd: 0.5,
      promptCacheReadRatio: 4000 / 9500,
      // Latencies 1, 5, 200, 500, 1000, 3000: the third by nearest rank.
      medianLatencyMs: 200,
      // Times to first token 5, 100, 200, 400.
      medianTtftMs: 100,
      firstTime: day1,
      lastTime: day4 + 1000,
    })
  })

  test('an empty ledger is all zeros and nulls', () => {
    expect(totals(db, {})).toMatchObject({
      requests: 0,
      costUsd: 0,
      savingUsd: 0,
      promptCacheReadRatio: null,
      medianLatencyMs: null,
      firstTime: null,
    })
  })

  test('a free model costs zero, an unpriced one is unknown', () => {
    insertRows(db, [
      ledgerRow({ provider: 'free', model: 'f', costUsd: 0, anthropicCostUsd: 0.5 }),
      ledgerRow({ provider: 'mystery', model: 'm', costUsd: null, anthropicCostUsd: 0.5 }),
    ])
    expect(totals(db, {})).toMatchObject({
      costUsd: 0,
      unknownCostRequests: 1,
      anthropicBaselineUsd: 0.5,
      savingUsd: 0.5,
    })
    expect(
      breakdown(db, 'provider', {}).map(({ key, costUsd, unknownCostRequests }) => ({
        key,
        costUsd,
        unknownCostRequests,
      })),
    ).toEqual([
      { key: 'free', costUsd: 0, unknownCostRequests: 0 },
      { key: 'mystery', costUsd: 0, unknownCostRequests: 1 },
    ])
  })

  test('a provider dearer than Anthropic is a negative saving', () => {
    insertRows(db, [ledgerRow({ costUsd: 2, anthropicCostUsd: 1.5 })])
    expect(totals(db, {})).toMatchObject({ anthropicBaselineUsd: 1.5, savingUsd: -0.5 })
  })

  test('a cache hit that carries an Anthropic price is credited once, through saved_usd', () => {
    insertRows(db, [ledgerRow({ cacheHit: true, costUsd: 0, anthropicCostUsd: 3, savedUsd: 1 })])
    expect(totals(db, {})).toMatchObject({ anthropicBaselineUsd: 1, savingUsd: 1 })
  })
})

describe('filters', () => {
  test('from and to are inclusive; project matches the stored path', () => {
    insertRows(db, seed)
    expect(totals(db, { from: day2 }).requests).toBe(4)
    expect(totals(db, { to: day2 }).requests).toBe(3)
    expect(totals(db, { from: day2, to: day2 + 1000 }).requests).toBe(2)
    expect(totals(db, { project: '/p/one' })).toMatchObject({
      requests: 3,
      costUsd: 0.75,
      savingUsd: 3.5,
    })
    expect(totals(db, { project: '/p/one', from: day4 })).toMatchObject({
      requests: 1,
      cacheHits: 1,
    })
    expect(totals(db, { project: '/elsewhere' }).requests).toBe(0)
  })
})

describe('breakdown', () => {
  const pick = (rows: ReturnType<typeof breakdown>) =>
    rows.map(({ key, requests, errors, costUsd, savingUsd }) => ({
      key,
      requests,
      errors,
      costUsd,
      savingUsd,
    }))

  beforeEach(() => insertRows(db, seed))

  test('by day, in the local time zone, in order', () => {
    expect(pick(breakdown(db, 'day', {}))).toEqual([
      { key: '2025-01-10', requests: 2, errors: 0, costUsd: 0.75, savingUsd: 3 },
      { key: '2025-01-11', requests: 2, errors: 1, costUsd: 0, savingUsd: 0 },
      { key: '2025-01-13', requests: 2, errors: 1, costUsd: 0, savingUsd: 0.5 },
    ])
  })

  test('a request just after local midnight belongs to that local day', () => {
    const justAfter = new Date(2025, 5, 2, 0, 30).getTime()
    insertRows(db, [ledgerRow({ time: justAfter })])
    expect(breakdown(db, 'day', { from: justAfter }).map((row) => row.key)).toEqual(['2025-06-02'])
  })

  test('by model: the provider,model that served, by cost, unserved as null', () => {
    expect(pick(breakdown(db, 'model', {}))).toEqual([
      { key: 'openai,gpt-a', requests: 4, errors: 1, costUsd: 0.75, savingUsd: 3.5 },
      { key: null, requests: 1, errors: 1, costUsd: 0, savingUsd: 0 },
      { key: 'deep,ds-chat', requests: 1, errors: 0, costUsd: 0, savingUsd: 0 },
    ])
    expect(breakdown(db, 'model', {})[2]).toMatchObject({
      inputTokens: 500,
      outputTokens: 100,
      unknownCostRequests: 1,
      anthropicBaselineUsd: 0,
    })
  })

  test('by provider, slot, project and session', () => {
    expect(pick(breakdown(db, 'provider', {})).map((row) => [row.key, row.requests])).toEqual([
      ['openai', 4],
      [null, 1],
      ['deep', 1],
    ])
    expect(pick(breakdown(db, 'slot', {}))).toEqual([
      { key: 'think', requests: 1, errors: 0, costUsd: 0.5, savingUsd: 2 },
      { key: 'default', requests: 3, errors: 1, costUsd: 0.25, savingUsd: 1.5 },
      { key: 'background', requests: 1, errors: 0, costUsd: 0, savingUsd: 0 },
      { key: 'none', requests: 1, errors: 1, costUsd: 0, savingUsd: 0 },
    ])
    expect(pick(breakdown(db, 'project', {}))).toEqual([
      { key: '/p/one', requests: 3, errors: 0, costUsd: 0.75, savingUsd: 3.5 },
      { key: '/p/two', requests: 2, errors: 1, costUsd: 0, savingUsd: 0 },
      { key: null, requests: 1, errors: 1, costUsd: 0, savingUsd: 0 },
    ])
    expect(pick(breakdown(db, 'session', { to: day2 + 1000 }))).toEqual([
      { key: 's1', requests: 2, errors: 0, costUsd: 0.75, savingUsd: 3 },
      { key: 's2', requests: 2, errors: 1, costUsd: 0, savingUsd: 0 },
    ])
  })

  test('the daily series fills quiet days with zero', () => {
    expect(dailySeries(db, {})).toEqual([
      { day: '2025-01-10', requests: 2, costUsd: 0.75 },
      { day: '2025-01-11', requests: 2, costUsd: 0 },
      { day: '2025-01-12', requests: 0, costUsd: 0 },
      { day: '2025-01-13', requests: 2, costUsd: 0 },
    ])
    expect(dailySeries(db, { project: '/elsewhere' })).toEqual([])
  })
})

describe('provider health', () => {
  test('per provider and model, cache hits left out, percentiles over successes', () => {
    insertRows(db, seed)
    expect(providerHealth(db, {})).toEqual([
      {
        provider: 'openai',
        model: 'gpt-a',
        requests: 3,
        errors: 1,
        errorRate: 1 / 3,
        latencyP50Ms: 1000,
        latencyP95Ms: 3000,
        ttftP50Ms: 200,
        ttftP95Ms: 400,
        medianOutputTps: 30,
      },
      {
        provider: 'deep',
        model: 'ds-chat',
        requests: 1,
        errors: 0,
        errorRate: 0,
        latencyP50Ms: 500,
        latencyP95Ms: 500,
        ttftP50Ms: 100,
        ttftP95Ms: 100,
        medianOutputTps: 80,
      },
    ])
  })

  test('a request the client cancelled is neither an error nor a mark against its provider', () => {
    insertRows(db, [
      ledgerRow({ latencyMs: 900, ttftMs: 300 }),
      // Esc mid-stream: what streamed is billed, the rest never came.
      ledgerRow({
        errorType: 'client_closed',
        complete: false,
        inputTokens: 800,
        outputTokens: 40,
        costUsd: 0.02,
        latencyMs: 50,
        ttftMs: 10,
      }),
      // Esc before the answer began.
      ledgerRow({
        provider: null,
        model: null,
        attempts: ['openai,gpt-a client_closed'],
        status: 499,
        errorType: 'client_closed',
        complete: false,
        latencyMs: 20,
      }),
      // A real failure still counts.
      ledgerRow({ status: 502, errorType: 'upstream_error', complete: false, latencyMs: 30 }),
    ])
    expect(totals(db, {})).toMatchObject({
      requests: 4,
      errors: 1,
      outputTokens: 40,
      costUsd: 0.02,
    })
    expect(providerHealth(db, {})).toMatchObject([
      {
        provider: 'openai',
        model: 'gpt-a',
        requests: 2,
        errors: 1,
        errorRate: 0.5,
        latencyP50Ms: 900,
        ttftP50Ms: 300,
      },
    ])
  })

  test('p50 and p95 by nearest rank over twenty requests', () => {
    insertRows(
      db,
      Array.from({ length: 20 }, (_, index) =>
        ledgerRow({ latencyMs: (index + 1) * 100, ttftMs: index + 1, outputTps: 20 - index }),
      ),
    )
    expect(providerHealth(db, {})).toMatchObject([
      {
        requests: 20,
        latencyP50Ms: 1000,
        latencyP95Ms: 1900,
        ttftP50Ms: 10,
        ttftP95Ms: 19,
        medianOutputTps: 10,
      },
    ])
  })

  test('nearest rank is always a measured value', () => {
    expect(percentile([], 50)).toBeNull()
    expect(percentile([7], 95)).toBe(7)
    expect(percentile([40, 10, 30, 20], 50)).toBe(20)
    expect(percentile([40, 10, 30, 20], 95)).toBe(40)
    expect(percentile([40, 10, 30, 20], 0)).toBe(10)
  })
})
