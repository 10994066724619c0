import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { openStore } from '../../src/store/db.ts'
import { insertRows, type LedgerRow } from '../../src/store/ledger.ts'
import { runCli, tempHome } from '../helpers.ts'
import { ledgerRow } from '../ledger-rows.ts'

// The process runs in UTC, so noon UTC is the calendar day written.
const noon = (day: number) => Date.UTC(2025, 0, day, 12)

/** Two priced requests, one unpriced, an upstream error, a cache hit, an unrouted refusal. */
const seed: LedgerRow[] = [
  ledgerRow({
    time: noon(10),
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
    time: noon(10) + 1,
    sessionId: 's1',
    project: '/p/one',
    slot: 'think',
    inputTokens: 3000,
    outputTokens: 800,
    cacheWriteTokens: 1000,
    latencyMs: 3000,
    ttftMs: 400,
    outputTps: 30,
    costUsd: 0.5,
    anthropicCostUsd: 2.5,
  }),
  ledgerRow({
    time: noon(11),
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
  ledgerRow({
    time: noon(11) + 1,
    sessionId: 's2',
    project: '/p/two',
    status: 502,
    complete: false,
    latencyMs: 200,
  }),
  ledgerRow({
    time: noon(13),
    project: '/p/one',
    cacheHit: true,
    costUsd: 0,
    savedUsd: 0.5,
    latencyMs: 5,
    ttftMs: 5,
  }),
  ledgerRow({
    time: noon(13) + 1,
    slot: 'none',
    provider: null,
    model: null,
    attempts: [],
    status: 400,
    complete: false,
    latencyMs: 1,
  }),
]

function seedInto(home: string, rows: LedgerRow[]): void {
  const db = openStore(join(home, 'ccr.db'))
  insertRows(db, rows)
  db.close()
}

function seeded(rows: LedgerRow[]): ReturnType<typeof tempHome> {
  const home = tempHome()
  seedInto(home.home, rows)
  return home
}

const stats = (home: string, ...args: string[]) =>
  runCli(['stats', ...args], { CCR_HOME: home, TZ: 'UTC' })

describe('ccr stats', () => {
  test('no ledger yet: a plain sentence saying where it will be, exit 0', async () => {
    using home = tempHome()
    const result = await stats(home.home)
    expect(result).toEqual({
      exitCode: 0,
      stdout:
        `Nothing recorded yet: the ledger ${join(home.home, 'ccr.db')} does not exist.\n` +
        'Requests that go through the router are recorded there.\n',
      stderr: '',
    })
    const json = await stats(home.home, '--json')
    expect(JSON.parse(json.stdout)).toMatchObject({ totals: null, breakdowns: {} })
  })

  test('a ledger with no rows says so too', async () => {
    using home = seeded([])
    const result = await stats(home.home)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toStartWith(`Nothing recorded yet in the ledger ${home.home}/ccr.db.\n`)
  })

  test('the text report: the saving first, totals, a sparkline, the model table', async () => {
    using home = seeded(seed)
    const result = await stats(home.home)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.split('\n')
    // Saving: (1.25 + 2.5) - (0.25 + 0.5) + 0.5 from the cache hit = 3.50 of 4.25, 82%.
    expect(lines.slice(0, 10)).toEqual([
      'Saved $3.50 (82%) against Anthropic list prices',
      '  paid $0.75 for what Anthropic list prices put at $4.25',
      '',
      'Totals, all time',
      '  requests  6 (2 errors, 33%)',
      '  tokens    4.5k input · 1.1k output · 4k cache read · 1k cache write',
      '  cost      $0.75 (+ 1 request with no known price)',
      '  cache     1 response cache hit (17%), saved $0.50 · 42% of input read from prompt caches',
      '  latency   median 200 ms · first token 100 ms',
      '',
    ])
    expect(result.stdout).toContain('Daily cost  2025-01-10 █▁▁▁ 2025-01-13\n')
    expect(result.stdout).toContain(
      [
        'By model',
        '  model         requests  errors  input  output   cost  unpriced  saved  share of cost',
        '  openai,gpt-a         4       1     4k      1k  $0.75         0  $3.50  100% ████████████████████',
        '  (not served)         1       1      0       0  $0.00         0      –    0%',
        '  deep,ds-chat         1       0    500     100  $0.00         1      –    0%',
        '',
      ].join('\n'),
    )
    expect(result.stdout).toContain(
      '  think              1       0     3k     800  $0.50         0  $2.00   67% █████████████▍\n',
    )
    for (const by of ['day', 'provider', 'slot', 'project', 'session']) {
      expect(result.stdout).toContain(`\nBy ${by}\n`)
    }
    expect(result.stdout).not.toContain('\x1b[')
  })

  test('--json carries totals, the daily series and every breakdown', async () => {
    using home = seeded(seed)
    const result = await stats(home.home, '--json')
    expect(result.exitCode).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report.range).toBe('all time')
    expect(report.totals).toEqual({
      requests: 6,
      errors: 2,
      cacheHits: 1,
      inputTokens: 4500,
      outputTokens: 1100,
      cacheReadTokens: 4000,
      cacheWriteTokens: 1000,
      reasoningTokens: 0,
      costUsd: 0.75,
      unknownCostRequests: 1,
      anthropicBaselineUsd: 4.25,
      savingUsd: 3.5,
      cacheSavedUsd: 0.5,
      promptCacheReadRatio: 4000 / 9500,
      medianLatencyMs: 200,
      medianTtftMs: 100,
      firstTime: noon(10),
      lastTime: noon(13) + 1,
    })
    expect(report.daily).toEqual([
      { day: '2025-01-10', requests: 2, costUsd: 0.75 },
      { day: '2025-01-11', requests: 2, costUsd: 0 },
      { day: '2025-01-12', requests: 0, costUsd: 0 },
      { day: '2025-01-13', requests: 2, costUsd: 0 },
    ])
    expect(Object.keys(report.breakdowns)).toEqual([
      'day',
      'model',
      'provider',
      'slot',
      'project',
      'session',
    ])
    expect(report.breakdowns.model.map((row: { key: string | null }) => row.key)).toEqual([
      'openai,gpt-a',
      null,
      'deep,ds-chat',
    ])
    expect(report.breakdowns.model[0]).toEqual({
      key: 'openai,gpt-a',
      requests: 4,
      errors: 1,
      cacheHits: 1,
      inputTokens: 4000,
      outputTokens: 1000,
      cacheReadTokens: 4000,
      cacheWriteTokens: 1000,
      reasoningTokens: 0,
      costUsd: 0.75,
      unknownCostRequests: 0,
      anthropicBaselineUsd: 4.25,
      savingUsd: 3.5,
    })
  })

  test('--csv --by model: a header, then one line per group, keys quoted', async () => {
    using home = seeded(seed)
    const result = await stats(home.home, '--csv', '--by', 'model')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(
      [
        'dimension,key,requests,errors,cache_hits,input_tokens,output_tokens,cache_read_tokens,' +
          'cache_write_tokens,reasoning_tokens,cost_usd,unknown_cost_requests,' +
          'anthropic_baseline_usd,saving_usd',
        'model,"openai,gpt-a",4,1,1,4000,1000,4000,1000,0,0.75,0,4.25,3.5',
        'model,,1,1,0,0,0,0,0,0,0,0,0,0',
        'model,"deep,ds-chat",1,0,0,500,100,0,0,0,0,1,0,0',
        '',
      ].join('\n'),
    )
  })

  test('--by provider shows only that table', async () => {
    using home = seeded(seed)
    const result = await stats(home.home, '--by', 'provider')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(
      [
        'By provider',
        '  provider      requests  errors  input  output   cost  unpriced  saved  share of cost',
        '  openai               4       1     4k      1k  $0.75         0  $3.50  100% ████████████████████',
        '  (not served)         1       1      0       0  $0.00         0      –    0%',
        '  deep                 1       0    500     100  $0.00         1      –    0%',
      ].join('\n'),
    )
    expect(result.stdout.match(/^By /gm)).toEqual(['By '])
  })

  test('--from and --to take local dates, --to meaning the end of its day', async () => {
    using home = seeded(seed)
    const result = await stats(home.home, '--json', '--from', '2025-01-11', '--to', '2025-01-11')
    const report = JSON.parse(result.stdout)
    expect(report.range).toBe('from 2025-01-11, to 2025-01-11')
    expect(report.filter).toEqual({ from: Date.UTC(2025, 0, 11), to: Date.UTC(2025, 0, 12) - 1 })
    expect(report.totals).toMatchObject({ requests: 2, errors: 1, unknownCostRequests: 1 })
  })

  test('--project resolves a relative directory and keeps only its requests', async () => {
    using home = tempHome()
    seedInto(home.home, [
      ledgerRow({ time: noon(10), project: home.home, costUsd: 1, anthropicCostUsd: 4 }),
      ledgerRow({ time: noon(10), project: '/elsewhere', costUsd: 2, anthropicCostUsd: 4 }),
    ])
    const result = await runCli(
      ['stats', '--project', '.', '--json'],
      { CCR_HOME: home.home, TZ: 'UTC' },
      { cwd: home.home },
    )
    const report = JSON.parse(result.stdout)
    expect(report.filter).toEqual({ project: home.home })
    expect(report.totals).toMatchObject({ requests: 1, costUsd: 1, savingUsd: 3 })
  })

  test('--since 7d leaves older requests out', async () => {
    const now = Date.now()
    using home = seeded([
      ledgerRow({ time: now - 3_600_000, costUsd: 0.25, anthropicCostUsd: 1.25 }),
      ledgerRow({ time: now - 10 * 86_400_000, costUsd: 0.5, anthropicCostUsd: 2.5 }),
    ])
    const result = await stats(home.home, '--since', '7d')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toStartWith(
      'Saved $1.00 (80%) against Anthropic list prices\n' +
        '  paid $0.25 for what Anthropic list prices put at $1.25\n\n' +
        'Totals, last 7d\n' +
        '  requests  1 (0 errors, 0%)\n',
    )
    const quiet = await stats(home.home, '--since', '30m')
    expect(quiet.stdout).toStartWith(
      `Nothing recorded for last 30m in the ledger ${home.home}/ccr.db.\n`,
    )
  })

  test('--json on 3 000 varied requests across a daylight-saving change agrees with SQLite, group for group', async () => {
    // Deterministic variety: nulls in every nullable column, errors, cancels, cache hits.
    let seedValue = 7
    const random = () => {
      seedValue = (seedValue * 1103515245 + 12345) % 2147483648
      return seedValue / 2147483648
    }
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T
    // New York moves its clocks forward at 2:00 on 2025-03-09: four local days, one 23 hours long.
    const start = Date.UTC(2025, 2, 8, 3)
    const rows = Array.from({ length: 3000 }, (_, index) => {
      const served = random() > 0.05
      const cacheHit = served && random() < 0.1
      return ledgerRow({
        time: start + Math.floor(random() * 4 * 86_400_000),
        requestId: `r${index}`,
        sessionId: pick(['s1', 's2', 's3', null]),
        project: pick(['/p/one', '/p/two', null]),
        slot: pick(['default', 'think', 'background', 'longContext']),
        provider: served ? pick(['deep', 'groq', 'openai']) : null,
        model: served ? pick(['m1', 'm2']) : null,
        status: pick([200, 200, 200, 400, 502]),
        errorType: pick([null, null, 'client_closed', 'upstream_error']),
        complete: random() > 0.1,
        inputTokens: pick([null, Math.floor(random() * 50_000)]),
        cacheReadTokens: pick([null, Math.floor(random() * 50_000)]),
        latencyMs: pick([null, random() * 5000]),
        ttftMs: pick([null, random() * 900]),
        costUsd: cacheHit ? 0 : pick([null, random() / 10]),
        anthropicCostUsd: pick([null, random() / 3]),
        cacheHit,
        savedUsd: cacheHit ? pick([null, random() / 10]) : null,
      })
    })
    using home = seeded(rows)
    const result = await runCli(['stats', '--json'], {
      CCR_HOME: home.home,
      TZ: 'America/New_York',
    })
    expect(result.exitCode).toBe(0)
    const report = JSON.parse(result.stdout)

    // Each group as SQLite's GROUP BY makes it, and the local day as Intl reads it.
    const db = openStore(join(home.home, 'ccr.db'))
    const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' })
    db.function('local_day', (time: number) => localDay.format(time))
    const expected = (key: string, order: string) =>
      db
        .query(
          `SELECT ${key} AS key, COUNT(*) AS requests,
             SUM((status >= 400 OR complete = 0) AND error_type IS NOT 'client_closed') AS errors,
             COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(cost_usd), 0) AS costUsd
           FROM requests GROUP BY key ORDER BY ${order}`,
        )
        .all()
    const byCost = 'costUsd DESC, requests DESC, key'
    const keys = {
      day: ['local_day(time)', 'key'],
      model: ["provider || ',' || model", byCost],
      provider: ['provider', byCost],
      slot: ['slot', byCost],
      project: ['project', byCost],
      session: ['session_id', byCost],
    } as const
    for (const [dimension, [key, order]] of Object.entries(keys)) {
      const got = report.breakdowns[dimension].map(
        (row: {
          key: string | null
          requests: number
          errors: number
          inputTokens: number
          costUsd: number
        }) => ({
          key: row.key,
          requests: row.requests,
          errors: row.errors,
          inputTokens: row.inputTokens,
          costUsd: row.costUsd,
        }),
      )
      expect({ dimension, rows: got }).toEqual({ dimension, rows: expected(key, order) })
    }
    expect(report.breakdowns.day.map((row: { key: string }) => row.key)).toEqual([
      '2025-03-07',
      '2025-03-08',
      '2025-03-09',
      '2025-03-10',
      '2025-03-11',
    ])
    const latencies = db
      .query<{ latency: number }, []>(
        'SELECT latency_ms AS latency FROM requests WHERE latency_ms IS NOT NULL ORDER BY 1',
      )
      .all()
    db.close()
    expect(report.totals.requests).toBe(3000)
    expect(report.totals.medianLatencyMs).toBe(
      latencies[Math.ceil(latencies.length / 2) - 1]?.latency,
    )
  })

  test('--json of 1.5 MB through a pipe arrives whole, not cut at the pipe buffer', async () => {
    // 4 000 sessions: the session breakdown alone is ~1.5 MB of JSON, 20 pipe buffers.
    using home = seeded(
      Array.from({ length: 4000 }, (_, index) =>
        ledgerRow({ time: noon(10) + index, sessionId: `session-${index}`, costUsd: 0.01 }),
      ),
    )
    const result = await stats(home.home, '--json')
    expect(result.exitCode).toBe(0)
    expect(result.stdout.length).toBeGreaterThan(1_000_000)
    const report = JSON.parse(result.stdout)
    expect(report.breakdowns.session).toHaveLength(4000)
    expect(report.totals.requests).toBe(4000)
  })

  test('--providers: the health table, percentiles over successful requests', async () => {
    using home = seeded(seed)
    const result = await stats(home.home, '--providers')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(
      [
        'Provider health, all time (cache hits left out)',
        '  provider,model  requests   errors  p50 latency  p95 latency  p50 TTFT  p95 TTFT  output tok/s',
        '  openai,gpt-a           3  1 (33%)        1.0 s        3.0 s    200 ms    400 ms          30.0',
        '  deep,ds-chat           1   0 (0%)       500 ms       500 ms    100 ms    100 ms          80.0',
        '  latency, TTFT and tok/s are over successful requests only',
        '',
      ].join('\n'),
    )
  })

  test('bad flags exit 1 with a hint', async () => {
    using home = tempHome()
    const since = await stats(home.home, '--since', 'x')
    expect(since).toEqual({
      exitCode: 1,
      stdout: '',
      stderr:
        'ccr stats: error: --since x is not a duration\n' +
        'hint: write a number and a unit: 30m, 12h, 7d, 2w\n',
    })
    const by = await stats(home.home, '--by', 'colour')
    expect(by.exitCode).toBe(1)
    expect(by.stderr).toContain(
      'hint: --by takes one of day, model, provider, slot, project, session',
    )
    const unknown = await stats(home.home, '--verbose')
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toContain("'--verbose'")
    expect((await stats(home.home, '--json', '--csv')).exitCode).toBe(1)
    expect((await stats(home.home, '--from', '2025-02-30')).stderr).toContain(
      'error: --from 2025-02-30 is not a calendar date',
    )
  })
})
