import type { BreakdownRow, DayPoint, Dimension, ProviderHealth, Totals } from '../store/stats.ts'

/** Wraps text in an ANSI style, or returns it untouched when the output is not a terminal. */
export type Paint = (style: 'bold' | 'dim' | 'green' | 'red', text: string) => string

const styleCodes = { bold: '1', dim: '2', green: '32', red: '31' } as const

/** Colour for a terminal only: pipes, files and tests get plain text. */
export function painter(colour: boolean): Paint {
  return (style, text) => (colour ? `\x1b[${styleCodes[style]}m${text}\x1b[0m` : text)
}

/** What the text report shows; every list is already filtered to the report's range. */
export interface StatsReport {
  /** Says which requests are covered: "all time", "since 7d", … */
  range: string
  totals: Totals
  daily: DayPoint[]
  breakdowns: { by: Dimension; rows: BreakdownRow[] }[]
}

/** A table shows this many groups; `--json` and `--csv` always carry them all. */
const tableLimit = 15

/** The cost report for a terminal: the saving first, then totals, the daily sparkline, tables. */
export function renderReport(report: StatsReport, paint: Paint): string {
  const { totals } = report
  const lines = [...headline(totals, paint), '']
  lines.push(paint('bold', `Totals, ${report.range}`), ...totalsBlock(totals), '')
  if (report.daily.length > 1) {
    const costs = report.daily.map((point) => point.costUsd)
    const first = report.daily[0]?.day ?? ''
    const last = report.daily.at(-1)?.day ?? ''
    lines.push(`${paint('bold', 'Daily cost')}  ${first} ${sparkline(costs)} ${last}`, '')
  }
  for (const { by, rows } of report.breakdowns) {
    lines.push(paint('bold', `By ${by}`), ...breakdownTable(by, rows, totals), '')
  }
  return lines.join('\n')
}

function headline(totals: Totals, paint: Paint): string[] {
  const baseline = totals.anthropicBaselineUsd
  if (baseline <= 0) {
    return ['No saving to report: no request has both its own price and an Anthropic list price']
  }
  const share = formatPercent(Math.abs(totals.savingUsd) / baseline)
  const title =
    totals.savingUsd >= 0
      ? paint(
          'green',
          `Saved ${formatUsd(totals.savingUsd)} (${share}) against Anthropic list prices`,
        )
      : paint(
          'red',
          `Cost ${formatUsd(-totals.savingUsd)} (${share}) more than Anthropic list prices`,
        )
  const paid = formatUsd(baseline - totals.savingUsd)
  return [
    paint('bold', title),
    paint('dim', `  paid ${paid} for what Anthropic list prices put at ${formatUsd(baseline)}`),
  ]
}

function totalsBlock(totals: Totals): string[] {
  const errorShare = formatPercent(ratio(totals.errors, totals.requests))
  const errors = `${plural(totals.errors, 'error')}, ${errorShare}`
  const tokens = [
    `${formatTokens(totals.inputTokens)} input`,
    `${formatTokens(totals.outputTokens)} output`,
    `${formatTokens(totals.cacheReadTokens)} cache read`,
    `${formatTokens(totals.cacheWriteTokens)} cache write`,
  ].join(' · ')
  const unknown =
    totals.unknownCostRequests === 0
      ? ''
      : ` (+ ${plural(totals.unknownCostRequests, 'request')} with no known price)`
  const hitShare = formatPercent(ratio(totals.cacheHits, totals.requests))
  const hits = `${plural(totals.cacheHits, 'response cache hit')} (${hitShare})`
  const saved = totals.cacheHits === 0 ? '' : `, saved ${formatUsd(totals.cacheSavedUsd)}`
  const prompt =
    totals.promptCacheReadRatio === null
      ? ''
      : ` · ${formatPercent(totals.promptCacheReadRatio)} of input read from prompt caches`
  const rows: [string, string][] = [
    ['requests', `${formatCount(totals.requests)} (${errors})`],
    ['tokens', tokens],
    ['cost', `${formatUsd(totals.costUsd)}${unknown}`],
    ['cache', `${hits}${saved}${prompt}`],
    [
      'latency',
      `median ${formatMs(totals.medianLatencyMs)} · first token ${formatMs(totals.medianTtftMs)}`,
    ],
  ]
  return rows.map(([label, value]) => `  ${label.padEnd(10)}${value}`)
}

const missingKey: Record<Dimension, string> = {
  day: '(no day)',
  model: '(not served)',
  provider: '(not served)',
  slot: '(no slot)',
  project: '(no project)',
  session: '(no session)',
}

function breakdownTable(by: Dimension, rows: BreakdownRow[], totals: Totals): string[] {
  // Days read best as the most recent ones; every other table is sorted by cost already.
  const shown = by === 'day' ? rows.slice(-tableLimit) : rows.slice(0, tableLimit)
  const unpriced = rows.some((row) => row.unknownCostRequests > 0)
  const columns: Column[] = [
    { title: by, align: 'left' },
    { title: 'requests', align: 'right' },
    { title: 'errors', align: 'right' },
    { title: 'input', align: 'right' },
    { title: 'output', align: 'right' },
    { title: 'cost', align: 'right' },
    ...(unpriced ? [{ title: 'unpriced', align: 'right' } as const] : []),
    { title: 'saved', align: 'right' },
    { title: 'share of cost', align: 'left' },
  ]
  const body = shown.map((row) => {
    const share = totals.costUsd > 0 ? row.costUsd / totals.costUsd : null
    return [
      row.key ?? missingKey[by],
      formatCount(row.requests),
      formatCount(row.errors),
      formatTokens(row.inputTokens),
      formatTokens(row.outputTokens),
      formatUsd(row.costUsd),
      ...(unpriced ? [formatCount(row.unknownCostRequests)] : []),
      row.anthropicBaselineUsd > 0 ? formatUsd(row.savingUsd) : '–',
      share === null ? '' : `${formatPercent(share).padStart(4)} ${bar(share)}`,
    ]
  })
  const hidden = rows.length - shown.length
  const more = hidden > 0 ? [`  … ${hidden} more (--json or --csv lists them all)`] : []
  return [...table(columns, body), ...more]
}

/** The per provider and model health table of `ccr stats --providers`. */
export function renderHealth(range: string, health: ProviderHealth[], paint: Paint): string {
  const columns: Column[] = [
    { title: 'provider,model', align: 'left' },
    { title: 'requests', align: 'right' },
    { title: 'errors', align: 'right' },
    { title: 'p50 latency', align: 'right' },
    { title: 'p95 latency', align: 'right' },
    { title: 'p50 TTFT', align: 'right' },
    { title: 'p95 TTFT', align: 'right' },
    { title: 'output tok/s', align: 'right' },
  ]
  const rows = health.map((entry) => [
    `${entry.provider},${entry.model}`,
    formatCount(entry.requests),
    `${formatCount(entry.errors)} (${formatPercent(entry.errorRate)})`,
    formatMs(entry.latencyP50Ms),
    formatMs(entry.latencyP95Ms),
    formatMs(entry.ttftP50Ms),
    formatMs(entry.ttftP95Ms),
    entry.medianOutputTps === null ? '–' : entry.medianOutputTps.toFixed(1),
  ])
  const title = paint('bold', `Provider health, ${range} (cache hits left out)`)
  const note = '  latency, TTFT and tok/s are over successful requests only'
  return [title, ...table(columns, rows), note, ''].join('\n')
}

interface Column {
  title: string
  align: 'left' | 'right'
}

function table(columns: Column[], rows: string[][]): string[] {
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...rows.map((row) => (row[index] ?? '').length)),
  )
  const line = (cells: string[]) =>
    `  ${columns
      .map((column, index) => {
        const cell = cells[index] ?? ''
        const width = widths[index] ?? 0
        return column.align === 'left' ? cell.padEnd(width) : cell.padStart(width)
      })
      .join('  ')}`.trimEnd()
  return [line(columns.map((column) => column.title)), ...rows.map(line)]
}

const eighths = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

/** A horizontal bar for a share from 0 to 1, in eighths of a character. */
export function bar(share: number, width = 20): string {
  const units = Math.round(Math.min(1, Math.max(0, share)) * width * 8)
  return '█'.repeat(Math.floor(units / 8)) + (eighths[units % 8] ?? '')
}

const ticks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']

/** One character per value, scaled to the largest. */
export function sparkline(values: number[]): string {
  const highest = Math.max(0, ...values)
  return values
    .map((value) => ticks[highest === 0 ? 0 : Math.round((value / highest) * 7)] ?? '▁')
    .join('')
}

/** 340, 12.3k, 1.2M: tokens for a human. */
export function formatTokens(count: number): string {
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ]
  for (const [size, suffix] of units) {
    // 999,960 reads as 1M, not 1000k.
    if (count >= size * 0.9995) {
      const scaled = count / size
      return `${scaled >= 100 ? Math.round(scaled) : Number(scaled.toFixed(1))}${suffix}`
    }
  }
  return String(count)
}

/** $1,234.56 for dollars, $0.0123 for cents and less: three significant digits at most. */
export function formatUsd(amount: number): string {
  const sign = amount < 0 ? '-' : ''
  const size = Math.abs(amount)
  if (size === 0 || size >= 0.1) {
    const text = size.toLocaleString('en-US', {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    })
    return `${sign}$${text}`
  }
  const decimals = Math.min(8, 2 - Math.floor(Math.log10(size)))
  const text = size
    .toFixed(decimals)
    .replace(/0+$/, '')
    .replace(/\.(\d)$/, (match) => `${match}0`)
  return `${sign}$${text}`
}

/** 340 ms, 2.5 s; a dash for nothing measured. */
export function formatMs(milliseconds: number | null): string {
  if (milliseconds === null) return '–'
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`
  return `${(milliseconds / 1000).toFixed(1)} s`
}

/** 82%, or 1.5% below ten percent where the decimal still says something. */
export function formatPercent(share: number | null): string {
  if (share === null) return '–'
  const percent = share * 100
  return percent > 0 && percent < 10 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US')
}

function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole
}
