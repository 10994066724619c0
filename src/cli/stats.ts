import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { messageOf, RouterError } from '../lib/errors.ts'
import { openStore } from '../store/db.ts'
import {
  dimensions,
  hasRequests,
  providerHealth,
  report,
  type BreakdownRow,
  type Dimension,
  type ProviderHealth,
  type StatsFilter,
} from '../store/stats.ts'
import type { CliContext, Command } from './context.ts'
import { painter, renderHealth, renderReport } from './stats-render.ts'

const usage = [
  'ccr stats [--since 7d] [--from <date>] [--to <date>]',
  '[--by day|model|provider|slot|project|session] [--project <dir>] [--providers] [--json|--csv]',
].join(' ')

/** What `ccr stats` was asked for, once its arguments are checked. */
export interface StatsOptions {
  filter: StatsFilter
  /** The range in words, for headings: "all time", "last 7d", "from 2025-01-01". */
  range: string
  /** Only this breakdown; every one when absent. */
  by: Dimension | undefined
  format: 'text' | 'json' | 'csv'
  providers: boolean
}

/**
 * `ccr stats`: the cost report, read straight from the ledger, so it works whether or not the
 * router runs. `--csv` prints breakdown rows in long form (`dimension,key,…`: every breakdown,
 * or the `--by` one), or the health rows with `--providers`; it never lists single requests.
 */
export const stats: Command = async (context) => {
  const options = parseStatsArgs(context.args, Date.now())
  const ledger = context.paths.store
  if (!existsSync(ledger)) {
    return nothing(context, options, `Nothing recorded yet: the ledger ${ledger} does not exist.`)
  }
  const db = openStore(ledger)
  try {
    if (!hasRequests(db, options.filter)) {
      const empty =
        options.range === 'all time'
          ? `Nothing recorded yet in the ledger ${ledger}.`
          : `Nothing recorded for ${options.range} in the ledger ${ledger}.`
      return nothing(context, options, empty)
    }
    const base = { ledger, range: options.range, filter: options.filter }
    if (options.providers) {
      const health = providerHealth(db, options.filter)
      const paint = painter(context.stdout.isTTY === true)
      const text = {
        json: () => JSON.stringify({ ...base, providers: health }, null, 2),
        csv: () => healthCsv(health),
        text: () => renderHealth(options.range, health, paint),
      }[options.format]()
      write(context, text)
      return 0
    }
    const { totals, breakdowns, daily } = report(
      db,
      options.filter,
      options.by === undefined ? dimensions : [options.by],
    )
    if (options.format === 'csv') {
      write(context, breakdownCsv(breakdowns))
      return 0
    }
    if (options.format === 'json') {
      const grouped = Object.fromEntries(breakdowns.map(({ by, rows }) => [by, rows]))
      write(context, JSON.stringify({ ...base, totals, daily, breakdowns: grouped }, null, 2))
      return 0
    }
    write(
      context,
      renderReport(
        { range: options.range, totals, daily, breakdowns },
        painter(context.stdout.isTTY === true),
      ),
    )
    return 0
  } finally {
    db.close()
  }
}

/** An empty range still gives machine formats something valid to parse. */
function nothing(context: CliContext, options: StatsOptions, message: string): number {
  if (options.format === 'json') {
    const empty = options.providers ? { providers: [] } : { totals: null, breakdowns: {} }
    const body = { ledger: context.paths.store, range: options.range, filter: options.filter }
    write(context, JSON.stringify({ ...body, message, ...empty }, null, 2))
  } else if (options.format === 'csv') {
    write(context, options.providers ? healthCsv([]) : breakdownCsv([]))
    context.stderr.write(`${message}\n`)
  } else {
    write(context, `${message}\nRequests that go through the router are recorded there.`)
  }
  return 0
}

function write(context: CliContext, text: string): void {
  context.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** Checks the arguments; anything wrong is an `invalid_request` with the usage as its hint. */
export function parseStatsArgs(args: string[], now: number): StatsOptions {
  const values = readArgs(args)
  if (values.json && values.csv) throw invalid('--json and --csv are alternatives', usage)
  if (values.since !== undefined && values.from !== undefined) {
    throw invalid('--since and --from both set where the range starts', 'use one of them')
  }
  const by = values.by
  if (by !== undefined && !isDimension(by)) {
    throw invalid(`--by ${by} is not a breakdown`, `--by takes one of ${dimensions.join(', ')}`)
  }
  if (by !== undefined && values.providers) {
    throw invalid('--by does not apply to --providers', 'the health report is per provider,model')
  }
  const filter: StatsFilter = {}
  const words: string[] = []
  if (values.since !== undefined) {
    filter.from = now - parseDuration(values.since)
    words.push(`last ${values.since}`)
  }
  if (values.from !== undefined) {
    filter.from = parseDate(values.from, 'from')
    words.push(`from ${values.from}`)
  }
  if (values.to !== undefined) {
    filter.to = parseDate(values.to, 'to')
    words.push(`to ${values.to}`)
  }
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    throw invalid('the range ends before it starts', 'give --from a date before --to')
  }
  if (values.project !== undefined) {
    filter.project = resolve(values.project)
    words.push(`project ${filter.project}`)
  }
  return {
    filter,
    range: words.length === 0 ? 'all time' : words.join(', '),
    by,
    format: values.json ? 'json' : values.csv ? 'csv' : 'text',
    providers: values.providers === true,
  }
}

function readArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        since: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        by: { type: 'string' },
        project: { type: 'string' },
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        providers: { type: 'boolean' },
      },
    }).values
  } catch (error) {
    throw invalid(messageOf(error), usage)
  }
}

function isDimension(value: string): value is Dimension {
  return (dimensions as readonly string[]).includes(value)
}

const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** `30m`, `12h`, `7d`, `2w`: a rolling window ending now. */
function parseDuration(text: string): number {
  const match = /^(\d+)([mhdw])$/.exec(text)
  const count = Number(match?.[1])
  const unit = match?.[2] as keyof typeof unitMs | undefined
  if (unit === undefined || !(count > 0)) {
    throw invalid(
      `--since ${text} is not a duration`,
      'write a number and a unit: 30m, 12h, 7d, 2w',
    )
  }
  return count * unitMs[unit]
}

/**
 * An ISO date or datetime. A date alone is local midnight for `--from` and the last
 * millisecond of that local day for `--to`, so `--from 2025-01-01 --to 2025-01-01` is one day.
 */
function parseDate(text: string, flag: 'from' | 'to'): number {
  const hint = `write --${flag} as 2025-01-31 or 2025-01-31T18:00`
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (dateOnly !== null) {
    const [year, month, day] = dateOnly.slice(1).map(Number) as [number, number, number]
    const start = new Date(year, month - 1, day)
    if (start.getMonth() !== month - 1 || start.getDate() !== day) {
      throw invalid(`--${flag} ${text} is not a calendar date`, hint)
    }
    return flag === 'from' ? start.getTime() : new Date(year, month - 1, day + 1).getTime() - 1
  }
  const time = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)
    ? Date.parse(text.replace(' ', 'T'))
    : NaN
  if (Number.isNaN(time)) throw invalid(`--${flag} ${text} is not a date`, hint)
  return time
}

function invalid(message: string, hint: string): RouterError {
  return new RouterError('invalid_request', { message, hint })
}

const breakdownColumns = [
  'dimension',
  'key',
  'requests',
  'errors',
  'cache_hits',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'unknown_cost_requests',
  'anthropic_baseline_usd',
  'saving_usd',
]

function breakdownCsv(breakdowns: { by: Dimension; rows: BreakdownRow[] }[]): string {
  const rows = breakdowns.flatMap(({ by, rows }) =>
    rows.map((row) => [
      by,
      row.key,
      row.requests,
      row.errors,
      row.cacheHits,
      row.inputTokens,
      row.outputTokens,
      row.cacheReadTokens,
      row.cacheWriteTokens,
      row.reasoningTokens,
      money(row.costUsd),
      row.unknownCostRequests,
      money(row.anthropicBaselineUsd),
      money(row.savingUsd),
    ]),
  )
  return csv(breakdownColumns, rows)
}

const healthColumns = [
  'provider',
  'model',
  'requests',
  'errors',
  'error_rate',
  'latency_p50_ms',
  'latency_p95_ms',
  'ttft_p50_ms',
  'ttft_p95_ms',
  'median_output_tps',
]

function healthCsv(health: ProviderHealth[]): string {
  const rows = health.map((entry) => [
    entry.provider,
    entry.model,
    entry.requests,
    entry.errors,
    entry.errorRate,
    entry.latencyP50Ms,
    entry.latencyP95Ms,
    entry.ttftP50Ms,
    entry.ttftP95Ms,
    entry.medianOutputTps,
  ])
  return csv(healthColumns, rows)
}

// Sums of floats carry noise (0.30000000000000004); a millionth of a cent is plenty.
function money(amount: number): number {
  return Number(amount.toFixed(8))
}

function csv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (value: string | number | null) => {
    const text = value === null ? '' : String(value)
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
  }
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n')
}
