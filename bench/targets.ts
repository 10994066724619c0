import type { ColdStartResult } from './cold-start.ts'
import type { MemoryResult } from './memory.ts'
import type { WorkloadResult } from './run-workload.ts'

/** One target of the issue, what was measured for it, and whether it holds. */
export interface TargetCheck {
  name: string
  /** `<=` or `>=` the limit. */
  limit: string
  measured: number
  unit: string
  pass: boolean
}

/** What the targets are checked against: one suite run's results. */
export interface SuiteOutcome {
  workloads: WorkloadResult[]
  memory: MemoryResult
  coldStart: ColdStartResult
}

/**
 * The targets, each a ratio against direct or an absolute figure from the same run.
 * "Back near idle" is read as: RSS after the last round at most 1.5× the idle figure; "no
 * leak" as: RSS after round N at most 10 MB above RSS after round 1.
 */
export function checkTargets(outcome: SuiteOutcome): TargetCheck[] {
  const byId = new Map(outcome.workloads.map((result) => [result.id, result]))
  const get = (id: string, pick: (result: WorkloadResult) => number | undefined) => {
    const result = byId.get(id)
    const value = result === undefined ? undefined : pick(result)
    return value ?? Number.NaN
  }
  const atMost = (name: string, measured: number, limit: number, unit: string): TargetCheck => ({
    name,
    limit: `≤ ${limit}`,
    measured,
    unit,
    pass: measured <= limit,
  })
  const atLeast = (name: string, measured: number, limit: number, unit: string): TargetCheck => ({
    name,
    limit: `≥ ${limit}`,
    measured,
    unit,
    pass: measured >= limit,
  })
  const peaks = outcome.workloads.map(
    (result) => result.sides.ccr.median.proxyPeakRssMb ?? Number.NaN,
  )
  const { memory } = outcome
  const afterLast = memory.afterRoundRssMb.at(-1) ?? Number.NaN
  return [
    atLeast(
      'non-streaming c50: throughput vs direct',
      get('nonstream-c50', (r) => r.throughputRatio),
      0.5,
      '×',
    ),
    atMost(
      'non-streaming c1: added latency p50',
      get('nonstream-c1', (r) => r.addedLatencyMs.p50),
      0.5,
      'ms',
    ),
    atMost(
      'non-streaming c1: added latency p99',
      get('nonstream-c1', (r) => r.addedLatencyMs.p99),
      2,
      'ms',
    ),
    atLeast(
      'streaming c50: throughput vs direct',
      get('stream-c50', (r) => r.throughputRatio),
      0.7,
      '×',
    ),
    atMost(
      'streaming c50: added TTFB p50',
      get('stream-c50', (r) => r.addedTtfbMs?.p50),
      1,
      'ms',
    ),
    atMost(
      'CPU per request, non-streaming (c50)',
      get('nonstream-c50', (r) => r.sides.ccr.median.proxyCpuMsPerRequest),
      0.4,
      'ms',
    ),
    atMost(
      'CPU per request, translated 100-chunk stream (c50)',
      get('stream-c50', (r) => r.sides.ccr.median.proxyCpuMsPerRequest),
      0.6,
      'ms',
    ),
    atMost(
      'paced stream: added TTFB p50',
      get('paced-stream-c10', (r) => r.addedTtfbMs?.p50),
      2,
      'ms',
    ),
    atMost('peak RSS, all workloads above', Math.max(...peaks), 120, 'MB'),
    atMost(`peak RSS, ${memory.streams} concurrent slow streams`, memory.peakRssMb, 250, 'MB'),
    atMost(`RSS after ${memory.rounds} rounds / idle`, afterLast / memory.idleRssMb, 1.5, '×'),
    atMost(`RSS growth, round 1 → ${memory.rounds}`, memory.growthMb, 10, 'MB'),
    atMost('cold start to /health (median)', outcome.coldStart.medianMs, 150, 'ms'),
  ]
}
