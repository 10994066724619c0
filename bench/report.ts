import { readFileSync, writeFileSync } from 'node:fs'
import type { MemoryResult } from './memory.ts'
import type { WorkloadResult } from './run-workload.ts'
import { round } from './stats.ts'
import type { SuiteOutcome, TargetCheck } from './targets.ts'

/** Facts about the run printed above the tables. */
export interface RunFacts {
  date: string
  mode: 'full' | 'smoke'
  commit: string
  bun: string
  cpus: number
  kernel: string
  repeats: number
  durationS: number
  pinned: boolean
  loadTool: string
}

const start = '<!-- bench:results:start -->'
const end = '<!-- bench:results:end -->'

/** The results as Markdown: the run, the targets, the workloads, memory and cold start. */
export function renderMarkdown(
  facts: RunFacts,
  outcome: SuiteOutcome & { mainRouter: { idleRssMb: number; afterRssMb: number } },
  targets: TargetCheck[],
) {
  const pinning = facts.pinned ? 'router on core 0, fake and load generator on core 1' : 'unpinned'
  const lines = [
    `Run of ${facts.date} (${facts.mode}), commit \`${facts.commit}\`, Bun ${facts.bun}, ` +
      `${facts.cpus} cores, Linux ${facts.kernel}; ${pinning}; ` +
      `medians of ${facts.repeats} interleaved runs of ${facts.durationS} s per side; ` +
      `non-streaming load by ${facts.loadTool}, streams by the Bun client.`,
    '',
    '| target | limit | measured | result |',
    '| --- | --- | --- | --- |',
    ...targets.map(
      (target) =>
        `| ${target.name} | ${target.limit} ${target.unit} | ${format(target.measured)} ${target.unit} | ${target.pass ? 'PASS' : '**FAIL**'} |`,
    ),
    '',
    'Per workload, ccr and in parentheses the bare Bun pass-through proxy. Ratios are against ' +
      'direct; added latency is the proxy minus direct (ms); CPU is the proxy process per request.',
    '',
    '| workload | direct req/s | bare req/s | ccr req/s | added p50 ms | added p99 ms | added TTFB p50 ms | CPU ms/req | peak RSS MB | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...outcome.workloads.map(workloadRow),
    '',
    ...outcome.workloads.map((result) => `- \`${result.id}\`: ${result.title}`),
    ...disturbances(outcome.workloads),
    '',
    `The router that served the workloads above: ${format(outcome.mainRouter.idleRssMb)} MB ` +
      `RSS idle before them, ${format(outcome.mainRouter.afterRssMb)} MB after them.`,
    '',
    memoryLine(outcome.memory),
    '',
    `Cold start to a served /health: median ${format(outcome.coldStart.medianMs)} ms ` +
      `(${outcome.coldStart.runs.map((run) => format(run)).join(', ')}).`,
  ]
  return `${lines.join('\n')}\n`
}

function workloadRow(result: WorkloadResult): string {
  const { direct, bare, ccr } = result.sides
  const ms = (value: number | undefined) => (value === undefined ? '–' : format(value))
  const mb = (value: number | undefined) => (value === undefined ? '–' : format(value))
  const errors = direct.median.errors + bare.median.errors + ccr.median.errors
  const cells = [
    `${result.id}`,
    `${format(direct.median.rps)}`,
    `${format(bare.median.rps)} (${format(result.bareThroughputRatio)}×)`,
    `${format(ccr.median.rps)} (${format(result.throughputRatio)}×)`,
    `${ms(result.addedLatencyMs.p50)} (${ms(result.bareAddedLatencyMs.p50)})`,
    `${ms(result.addedLatencyMs.p99)} (${ms(result.bareAddedLatencyMs.p99)})`,
    result.addedTtfbMs === undefined
      ? '–'
      : `${ms(result.addedTtfbMs.p50)} (${ms(result.bareAddedTtfbMs?.p50)})`,
    `${ms(ccr.median.proxyCpuMsPerRequest)} (${ms(bare.median.proxyCpuMsPerRequest)})`,
    `${mb(ccr.median.proxyPeakRssMb)} (${mb(bare.median.proxyPeakRssMb)})`,
    String(errors),
  ]
  return `| ${cells.join(' | ')} |`
}

/**
 * Sides in which something besides the measured processes kept a pinned core busy for more
 * than a tenth of a run: other processes, kernel threads and interrupts (part of the loopback
 * networking is accounted there), or the hypervisor's steal.
 */
function disturbances(workloads: WorkloadResult[]): string[] {
  const noted = workloads.flatMap((result) =>
    (['direct', 'bare', 'ccr'] as const).flatMap((side) => {
      const share = result.sides[side].median.worstDisturbance
      return share !== undefined && share > 0.1
        ? [`${result.id} (${side}) up to ${Math.round(share * 100)}%`]
        : []
    }),
  )
  if (noted.length === 0) return []
  return ['', `Other activity on a pinned core (processes, kernel, steal): ${noted.join('; ')}.`]
}

function memoryLine(memory: MemoryResult): string {
  return (
    `Slow streams: ${memory.streams} at once × ${memory.rounds} rounds on a fresh router: ` +
    `idle ${format(memory.idleRssMb)} MB (${format(memory.idleCpuPercent)}% CPU), peak ${format(memory.peakRssMb)} MB, after each round ` +
    `${memory.afterRoundRssMb.map((value) => format(value)).join(', ')} MB; ` +
    `a round took ${format(memory.roundSeconds[0] ?? Number.NaN)} s through ccr ` +
    `(${format(memory.directRoundSeconds)} s direct, ${format(memory.bare.roundSeconds)} s through ` +
    `the bare proxy, which peaked at ${format(memory.bare.peakRssMb)} MB); ` +
    `${format(memory.routerCpuMsPerStream)} ms router CPU per stream; ${memory.errors} errors.`
  )
}

function format(value: number): string {
  return Number.isFinite(value) ? String(round(value)) : 'n/a'
}

/** Replaces the results section of the README (between its markers) with `markdown`. */
export function rewriteReadme(file: string, markdown: string): boolean {
  const text = readFileSync(file, 'utf8')
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from === -1 || to === -1 || to < from) return false
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${markdown}${text.slice(to)}`)
  return true
}
