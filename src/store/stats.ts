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

const aggregates = `
  COUNT(*) AS requests,
  COALESCE(SUM(${failed}), 0) AS errors,
  COALESCE(SUM(cache_hit), 0) AS cacheHits,
  COALESCE(SUM(input_tokens), 0) AS inputTokens,
  COALESCE(SUM(output_tokens), 0) AS outputTokens,
  COALESCE(SUM(cache_read_tokens), 0) AS cacheReadTokens,
  COALESCE(SUM(cache_write_tokens), 0) AS cacheWriteTokens,
  COALESCE(SUM(reasoning_tokens), 0) AS reasoningTokens,
  COALESCE(SUM(cost_usd), 0) AS costUsd,
  COALESCE(SUM(cost_usd IS NULL AND ${billable}), 0) AS unknownCostRequests,
  COALESCE(SUM(CASE WHEN ${compared} THEN anthropic_cost_usd END), 0) AS comparedAnthropicUsd,
  COALESCE(SUM(CASE WHEN ${compared} THEN cost_usd END), 0) AS comparedCostUsd,
  COALESCE(SUM(CASE WHEN cache_hit = 1 THEN saved_usd END), 0) AS cacheSavedUsd`

type AggregateRow = Omit<Usage, 'anthropicBaselineUsd' | 'savingUsd'> & {
  comparedAnthropicUsd: number
  comparedCostUsd: number
  cacheSavedUsd: number
}

const keyOf: Record<Dimension, string> = {
  day: `strftime('%Y-%m-%d', time / 1000, 'unixepoch', 'localtime')`,
  model: `provider || ',' || model`,
  provider: 'provider',
  slot: 'slot',
  project: 'project',
  session: 'session_id',
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

function toUsage(row: AggregateRow): Usage {
  const { comparedAnthropicUsd, comparedCostUsd, cacheSavedUsd, ...usage } = row
  return {
    ...usage,
    anthropicBaselineUsd: comparedAnthropicUsd + cacheSavedUsd,
    savingUsd: comparedAnthropicUsd - comparedCostUsd + cacheSavedUsd,
  }
}

/** The whole range in one row, with medians. */
export function totals(db: Database, filter: StatsFilter): Totals {
  const where = whereClause(filter)
  const row = db
    .query<AggregateRow & { firstTime: number | null; lastTime: number | null }, [Bindings]>(
      `SELECT ${aggregates}, MIN(time) AS firstTime, MAX(time) AS lastTime
       FROM requests ${where.sql}`,
    )
    .get(where.params)
  if (row === null) throw new Error('an aggregate query returned no row')
  const timings = db
    .query<{ latencyMs: number | null; ttftMs: number | null }, [Bindings]>(
      `SELECT latency_ms AS latencyMs, ttft_ms AS ttftMs FROM requests ${where.sql}`,
    )
    .all(where.params)
  const { firstTime, lastTime, ...aggregate } = row
  const promptInput = row.inputTokens + row.cacheReadTokens + row.cacheWriteTokens
  return {
    ...toUsage(aggregate),
    cacheSavedUsd: row.cacheSavedUsd,
    promptCacheReadRatio: promptInput === 0 ? null : row.cacheReadTokens / promptInput,
    medianLatencyMs: percentile(known(timings.map((timing) => timing.latencyMs)), 50),
    medianTtftMs: percentile(known(timings.map((timing) => timing.ttftMs)), 50),
    firstTime,
    lastTime,
  }
}

/** Usage grouped by one dimension: days in order, everything else by cost, then requests. */
export function breakdown(db: Database, by: Dimension, filter: StatsFilter): BreakdownRow[] {
  const where = whereClause(filter)
  const order = by === 'day' ? 'key' : 'costUsd DESC, requests DESC, key'
  return db
    .query<AggregateRow & { key: string | null }, [Bindings]>(
      `SELECT ${keyOf[by]} AS key, ${aggregates}
       FROM requests ${where.sql}
       GROUP BY key
       ORDER BY ${order}`,
    )
    .all(where.params)
    .map(({ key, ...row }) => ({ key, ...toUsage(row) }))
}

/** Cost per local day from the first recorded day to the last, quiet days included as zero. */
export function dailySeries(db: Database, filter: StatsFilter): DayPoint[] {
  const days = breakdown(db, 'day', filter)
  const first = days[0]?.key
  const last = days.at(-1)?.key
  if (first == null || last == null) return []
  const byDay = new Map(days.map((row) => [row.key, row]))
  const series: DayPoint[] = []
  for (let day = first; day <= last; day = nextDay(day)) {
    const row = byDay.get(day)
    series.push({ day, requests: row?.requests ?? 0, costUsd: row?.costUsd ?? 0 })
  }
  return series
}

function nextDay(day: string): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number)
  const next = new Date(year, month - 1, date + 1)
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${next.getFullYear()}-${pad(next.getMonth() + 1)}-${pad(next.getDate())}`
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
  const rows = db
    .query<
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
    .all(where.params)
  const groups = Map.groupBy(rows, (row) => `${row.provider},${row.model}`)
  const health = [...groups.values()].map((group): ProviderHealth => {
    const succeeded = group.filter((row) => row.failed === 0)
    const latencies = known(succeeded.map((row) => row.latencyMs))
    const ttfts = known(succeeded.map((row) => row.ttftMs))
    const errors = group.length - succeeded.length
    return {
      provider: group[0]?.provider ?? '',
      model: group[0]?.model ?? '',
      requests: group.length,
      errors,
      errorRate: errors / group.length,
      latencyP50Ms: percentile(latencies, 50),
      latencyP95Ms: percentile(latencies, 95),
      ttftP50Ms: percentile(ttfts, 50),
      ttftP95Ms: percentile(ttfts, 95),
      medianOutputTps: percentile(known(succeeded.map((row) => row.outputTps)), 50),
    }
  })
  return health.sort(
    (left, right) =>
      right.requests - left.requests ||
      `${left.provider},${left.model}`.localeCompare(`${right.provider},${right.model}`),
  )
}

/** The nearest-rank percentile: always a value that was measured; null for no values. */
export function percentile(values: readonly number[], rank: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((left, right) => left - right)
  const index = Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1)
  return sorted[index] ?? null
}

function known(values: readonly (number | null)[]): number[] {
  return values.filter((value): value is number => value !== null)
}
