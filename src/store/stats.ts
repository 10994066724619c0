import type { Database } from 'bun:sqlite'

/** Which requests a report covers. Times are Unix ms, both ends inclusive. */
export interface StatsFilter {
  from?: number
  to?: number
  /** An absolute project directory, as the ledger stores it. */
  project?: string
}

/** What a set of requests used and cost. */
export interface Usage {
  requests: number
  /** Requests that ended with status >= 400 or did not complete, unless the client cancelled. */
  errors: number
  /** Requests answered from ccr's response cache. */
  cacheHits: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  /** The sum of known costs. Requests with no known price are counted apart, never as free. */
  costUsd: number
  /** Requests a provider answered (not errors, not cache hits) whose price is unknown. */
  unknownCostRequests: number
  /**
   * What Anthropic list prices would have charged for the requests priced both ways, plus what
   * the cache hits' answers first cost: the baseline the saving is measured against.
   */
  anthropicBaselineUsd: number
  /** `anthropicBaselineUsd` minus what those requests cost here. */
  savingUsd: number
}

/** The numbers at the top of the report. */
export interface Totals extends Usage {
  /** What cache hits saved; part of `savingUsd`. */
  cacheSavedUsd: number
  /** Share of input tokens read from the providers' prompt caches; null with no input. */
  promptCacheReadRatio: number | null
  /** Over every request with a measurement, cache hits included: what Claude Code waited. */
  medianLatencyMs: number | null
  medianTtftMs: number | null
  firstTime: number | null
  lastTime: number | null
}

/** Every breakdown, in the order the report shows them. */
export const dimensions = ['day', 'model', 'provider', 'slot', 'project', 'session'] as const

/** What a breakdown groups by; `model` is the `provider,model` that served the request. */
export type Dimension = (typeof dimensions)[number]

/** One group of a breakdown; `key` is null for requests without one (no session, not served). */
export interface BreakdownRow extends Usage {
  key: string | null
}

/** How one provider's model has behaved: the statistics learned routing will rank by. */
export interface ProviderHealth {
  provider: string
  model: string
  requests: number
  errors: number
  errorRate: number
  /** Percentiles over the requests that succeeded: a fast failure is not a fast provider. */
  latencyP50Ms: number | null
  latencyP95Ms: number | null
  ttftP50Ms: number | null
  ttftP95Ms: number | null
  medianOutputTps: number | null
}

/** One local calendar day of the daily series. */
export interface DayPoint {
  day: string
  requests: number
  costUsd: number
}

// A request the client cancelled (Esc in Claude Code) did not fail: not an error, and it says
// nothing of its provider's health.
const notCancelled = "error_type IS NOT 'client_closed'"
const failed = `(status >= 400 OR complete = 0) AND ${notCancelled}`
// The rows that should carry a price: an error or a cache hit has nothing to price.
const billable = 'provider IS NOT NULL AND status < 400 AND cache_hit = 0'
// Cache hits are credited through saved_usd alone, so they never count twice.
const compared = 'cache_hit = 0 AND cost_usd IS NOT NULL AND anthropic_cost_usd IS NOT NULL'

/**
 * Each request's contribution to the sums, the rules above applied by SQLite; the sums, the
 * groups and the medians are made in one pass over these rows (`report`).
 */
const contributions = `
  time, provider, model, slot, project, session_id AS session,
  provider || ',' || model AS servedBy,
  ${failed} AS failed,
  cache_hit AS cacheHit,
  input_tokens AS inputTokens,
  output_tokens AS outputTokens,
  cache_read_tokens AS cacheReadTokens,
  cache_write_tokens AS cacheWriteTokens,
  reasoning_tokens AS reasoningTokens,
  cost_usd AS costUsd,
  cost_usd IS NULL AND ${billable} AS unknownCost,
  CASE WHEN ${compared} THEN anthropic_cost_usd END AS comparedAnthropicUsd,
  CASE WHEN ${compared} THEN cost_usd END AS comparedCostUsd,
  CASE WHEN cache_hit = 1 THEN saved_usd END AS cacheSavedUsd,
  latency_ms AS latencyMs,
  ttft_ms AS ttftMs`

interface Contribution {
  time: number
  provider: string | null
  model: string | null
  slot: string
  project: string | null
  session: string | null
  servedBy: string | null
  failed: number
  cacheHit: number
  inputTokens: number | null
  outputTokens: number | null
  cacheReadTokens: number | null
  cacheWriteTokens: number | null
  reasoningTokens: number | null
  costUsd: number | null
  unknownCost: number
  comparedAnthropicUsd: number | null
  comparedCostUsd: number | null
  cacheSavedUsd: number | null
  latencyMs: number | null
  ttftMs: number | null
}

/** The sums of a set of requests, added to one request at a time. */
class Sums {
  requests = 0
  errors = 0
  cacheHits = 0
  inputTokens = 0
  outputTokens = 0
  cacheReadTokens = 0
  cacheWriteTokens = 0
  reasoningTokens = 0
  unknownCostRequests = 0
  readonly cost = new Money()
  readonly comparedAnthropic = new Money()
  readonly comparedCost = new Money()
  readonly cacheSaved = new Money()

  add(row: Contribution): void {
    this.requests++
    this.errors += row.failed
    this.cacheHits += row.cacheHit
    this.inputTokens += row.inputTokens ?? 0
    this.outputTokens += row.outputTokens ?? 0
    this.cacheReadTokens += row.cacheReadTokens ?? 0
    this.cacheWriteTokens += row.cacheWriteTokens ?? 0
    this.reasoningTokens += row.reasoningTokens ?? 0
    this.unknownCostRequests += row.unknownCost
    this.cost.add(row.costUsd)
    this.comparedAnthropic.add(row.comparedAnthropicUsd)
    this.comparedCost.add(row.comparedCostUsd)
    this.cacheSaved.add(row.cacheSavedUsd)
  }

  usage(): Usage {
    return {
      requests: this.requests,
      errors: this.errors,
      cacheHits: this.cacheHits,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheReadTokens: this.cacheReadTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      reasoningTokens: this.reasoningTokens,
      costUsd: this.cost.value,
      unknownCostRequests: this.unknownCostRequests,
      anthropicBaselineUsd: this.comparedAnthropic.value + this.cacheSaved.value,
      savingUsd: this.comparedAnthropic.value - this.comparedCost.value + this.cacheSaved.value,
    }
  }
}

/**
 * A sum of dollar amounts as SQLite's `SUM` makes it (Kahan–Babuška–Neumaier): a million
 * requests at a fraction of a cent add up to what they cost, not to it ± 1e-8.
 */
class Money {
  private sum = 0
  private error = 0

  add(amount: number | null): void {
    if (amount === null) return
    const total = this.sum + amount
    this.error +=
      Math.abs(this.sum) > Math.abs(amount) ? this.sum - total + amount : amount - total + this.sum
    this.sum = total
  }

  get value(): number {
    return this.sum + this.error
  }
}

/** What each breakdown groups a request by. */
const keyOf: Record<Exclude<Dimension, 'day'>, (row: Contribution) => string | null> = {
  model: (row) => row.servedBy,
  provider: (row) => row.provider,
  slot: (row) => row.slot,
  project: (row) => row.project,
  session: (row) => row.session,
}

type Bindings = Record<string, string | number>

function whereClause(filter: StatsFilter, ...extra: string[]): { sql: string; params: Bindings } {
  const conditions = [...extra]
  const params: Bindings = {}
  if (filter.from !== undefined) {
    conditions.push('time >= $from')
    params.from = filter.from
  }
  if (filter.to !== undefined) {
    conditions.push('time <= $to')
    params.to = filter.to
  }
  if (filter.project !== undefined) {
    conditions.push('project = $project')
    params.project = filter.project
  }
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params }
}

/** Whether any request lies in range: the report's first question, answered by one row. */
export function hasRequests(db: Database, filter: StatsFilter): boolean {
  const where = whereClause(filter)
  const row = db
    .query<{ found: number }, [Bindings]>(
      `SELECT EXISTS(SELECT 1 FROM requests ${where.sql}) AS found`,
    )
    .get(where.params)
  return row?.found === 1
}

/** The whole report: the totals, the breakdowns asked for, and the daily series. */
export interface Report {
  totals: Totals
  breakdowns: { by: Dimension; rows: BreakdownRow[] }[]
  daily: DayPoint[]
}

/**
 * The report in one pass over the requests in range, read one row at a time. A `GROUP BY` per
 * breakdown read the ledger seven times, sorting it for each, and SQLite's `localtime` for the
 * days cost ~2.7 µs a row: on a year of heavy use (a million requests) `ccr stats` took 17–20 s,
 * and now takes ~2 (measured, not tested; `test/cli/stats.test.ts` holds the result to SQLite's
 * own `GROUP BY` on 3 000 varied requests).
 */
export function report(db: Database, filter: StatsFilter, by: readonly Dimension[]): Report {
  const where = whereClause(filter)
  const all = new Sums()
  const days = new Map<string, Sums>()
  const groups = by
    .filter((dimension) => dimension !== 'day')
    .map((dimension) => ({
      dimension,
      keyOf: keyOf[dimension],
      sums: new Map<string | null, Sums>(),
    }))
  const latencies: number[] = []
  const ttfts: number[] = []
  let firstTime: number | null = null
  let lastTime: number | null = null
  const dayOf = localDays()
  const rows = db.query<Contribution, [Bindings]>(
    `SELECT ${contributions} FROM requests ${where.sql}`,
  )
  for (const row of rows.iterate(where.params)) {
    all.add(row)
    if (firstTime === null || row.time < firstTime) firstTime = row.time
    if (lastTime === null || row.time > lastTime) lastTime = row.time
    if (row.latencyMs !== null) latencies.push(row.latencyMs)
    if (row.ttftMs !== null) ttfts.push(row.ttftMs)
    sumsIn(days, dayOf(row.time)).add(row)
    for (const group of groups) sumsIn(group.sums, group.keyOf(row)).add(row)
  }
  const promptInput = all.inputTokens + all.cacheReadTokens + all.cacheWriteTokens
  const byDay = [...days].sort(([left], [right]) => compareKeys(left, right))
  return {
    totals: {
      ...all.usage(),
      cacheSavedUsd: all.cacheSaved.value,
      promptCacheReadRatio: promptInput === 0 ? null : all.cacheReadTokens / promptInput,
      medianLatencyMs: percentile(latencies, 50),
      medianTtftMs: percentile(ttfts, 50),
      firstTime,
      lastTime,
    },
    breakdowns: by.map((dimension) => {
      if (dimension === 'day') {
        return { by: dimension, rows: byDay.map(([key, sums]) => ({ key, ...sums.usage() })) }
      }
      const sums = groups.find((group) => group.dimension === dimension)?.sums ?? new Map()
      const rows = [...sums].map(([key, group]) => ({ key, ...group.usage() }))
      // By cost, then requests, then key (nulls first), as SQLite orders them.
      rows.sort(
        (left, right) =>
          right.costUsd - left.costUsd ||
          right.requests - left.requests ||
          compareKeys(left.key, right.key),
      )
      return { by: dimension, rows }
    }),
    daily: dailyFrom(byDay.map(([day, sums]) => ({ day, sums }))),
  }
}

function sumsIn<Key>(map: Map<Key, Sums>, key: Key): Sums {
  let sums = map.get(key)
  if (sums === undefined) {
    sums = new Sums()
    map.set(key, sums)
  }
  return sums
}

function compareKeys(left: string | null, right: string | null): number {
  if (left === right) return 0
  if (left === null) return -1
  if (right === null) return 1
  return left < right ? -1 : 1
}

/**
 * The local calendar day (`YYYY-MM-DD`) of a Unix ms time, remembered per quarter of an hour:
 * every time zone's offset, and every daylight-saving change, falls on a quarter hour of UTC, so
 * all of a quarter is on one local day.
 */
function localDays(): (time: number) => string {
  const quarter = 15 * 60 * 1000
  const known = new Map<number, string>()
  return (time) => {
    const at = Math.floor(time / quarter)
    let day = known.get(at)
    if (day === undefined) {
      day = localDay(new Date(at * quarter))
      known.set(at, day)
    }
    return day
  }
}

function localDay(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}

/** Cost per local day from the first recorded day to the last, quiet days included as zero. */
function dailyFrom(days: readonly { day: string; sums: Sums }[]): DayPoint[] {
  const first = days[0]?.day
  const last = days.at(-1)?.day
  if (first === undefined || last === undefined) return []
  const byDay = new Map(days.map(({ day, sums }) => [day, sums]))
  const series: DayPoint[] = []
  for (let day = first; day <= last; day = nextDay(day)) {
    const sums = byDay.get(day)
    series.push({ day, requests: sums?.requests ?? 0, costUsd: sums?.cost.value ?? 0 })
  }
  return series
}

function nextDay(day: string): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number)
  return localDay(new Date(year, month - 1, date + 1))
}

/**
 * Per provider and model, cache hits left out (the provider never saw them), and requests the
 * client cancelled (their latency is the client's choice).
 */
export function providerHealth(db: Database, filter: StatsFilter): ProviderHealth[] {
  const where = whereClause(
    filter,
    'provider IS NOT NULL',
    'model IS NOT NULL',
    'cache_hit = 0',
    notCancelled,
  )
  const rows = db.query<
    {
      provider: string
      model: string
      failed: number
      latencyMs: number | null
      ttftMs: number | null
      outputTps: number | null
    },
    [Bindings]
  >(
    `SELECT provider, model, ${failed} AS failed,
       latency_ms AS latencyMs, ttft_ms AS ttftMs, output_tps AS outputTps
     FROM requests ${where.sql}`,
  )
  // Read one row at a time: only the successes' timings are kept, not a million row objects.
  const groups = new Map<
    string,
    {
      provider: string
      model: string
      requests: number
      errors: number
      latencies: number[]
      ttfts: number[]
      tps: number[]
    }
  >()
  for (const row of rows.iterate(where.params)) {
    const key = `${row.provider},${row.model}`
    let group = groups.get(key)
    if (group === undefined) {
      group = {
        provider: row.provider,
        model: row.model,
        requests: 0,
        errors: 0,
        latencies: [],
        ttfts: [],
        tps: [],
      }
      groups.set(key, group)
    }
    group.requests++
    if (row.failed !== 0) {
      group.errors++
      continue
    }
    if (row.latencyMs !== null) group.latencies.push(row.latencyMs)
    if (row.ttftMs !== null) group.ttfts.push(row.ttftMs)
    if (row.outputTps !== null) group.tps.push(row.outputTps)
  }
  const health = [...groups.values()].map((group): ProviderHealth => ({
    provider: group.provider,
    model: group.model,
    requests: group.requests,
    errors: group.errors,
    errorRate: group.errors / group.requests,
    latencyP50Ms: percentile(group.latencies, 50),
    latencyP95Ms: percentile(group.latencies, 95),
    ttftP50Ms: percentile(group.ttfts, 50),
    ttftP95Ms: percentile(group.ttfts, 95),
    medianOutputTps: percentile(group.tps, 50),
  }))
  return health.sort(
    (left, right) =>
      right.requests - left.requests ||
      `${left.provider},${left.model}`.localeCompare(`${right.provider},${right.model}`),
  )
}

/** The nearest-rank percentile: always a value that was measured; null for no values. */
export function percentile(values: readonly number[], rank: number): number | null {
  if (values.length === 0) return null
  // A typed array sorts numerically, natively: a million values in ~30 ms, not ~320.
  const sorted = Float64Array.from(values).sort()
  const index = Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1)
  return sorted[index] ?? null
}
