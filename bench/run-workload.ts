import type { LoadOptions } from './load.ts'
import { measureSide, type SideContext, type SideRun } from './measure.ts'
import { canPin } from './pinning.ts'
import type { PreparedWorkload, Target } from './prepare.ts'
import { median } from './stats.ts'

/** How hard and how long: the difference between a smoke run and a full run. */
export interface Plan {
  smoke: boolean
  repeats: number
  durationS: number
  warmupS: number
  /** Upper bound on concurrency (smoke runs keep it small). */
  maxConcurrency: number
  /** wrk for non-streaming load where it is installed, else the Bun client. */
  useWrk: boolean
  routerCore: number | undefined
  generatorCore: number | undefined
  settleMs: number
}

/**
 * The plan of a smoke run (half a second a side, concurrency at most 4, nothing pinned, the Bun
 * client) or a full one (5 s a side, three times, pinned, wrk where installed). Pinned, this
 * process moves itself to the load generator's core: it samples /proc while loads run, and
 * must stay off the router's.
 */
export function planFor(options: { smoke: boolean; repeats?: string; duration?: string }): Plan {
  const { smoke } = options
  const pin = !smoke && canPin
  if (pin) Bun.spawnSync(['taskset', '-pc', '1', String(process.pid)], { stdout: 'ignore' })
  return {
    smoke,
    repeats: Number(options.repeats ?? (smoke ? 1 : 3)),
    durationS: Number(options.duration ?? (smoke ? 0.5 : 5)),
    warmupS: smoke ? 0 : 1,
    maxConcurrency: smoke ? 4 : Number.POSITIVE_INFINITY,
    useWrk: Bun.which('wrk') !== null && !smoke,
    routerCore: pin ? 0 : undefined,
    generatorCore: pin ? 1 : undefined,
    settleMs: smoke ? 50 : 300,
  }
}

/** The medians of one side's runs (errors summed, peak RSS the highest). */
export interface SideSummary {
  rps: number
  latencyP50Ms: number
  latencyP99Ms: number
  ttfbP50Ms: number | undefined
  ttfbP99Ms: number | undefined
  errors: number
  firstError: string | undefined
  proxyCpuMsPerRequest: number | undefined
  proxyPeakRssMb: number | undefined
  /** The highest share of either pinned core that anything else (or the hypervisor) took. */
  worstDisturbance: number | undefined
  fakeCpuMsPerRequest: number
  generatorCoreBusy: number
  upstreamBodyBytes: number
}

/** The sides of a workload: straight to the fake, through the bare proxy, through ccr. */
export type Side = 'direct' | 'bare' | 'ccr'

/** One workload's outcome: every side's runs and medians, and the comparisons. */
export interface WorkloadResult {
  id: string
  title: string
  concurrency: number
  tool: 'wrk' | 'bun'
  bodyBytes: { direct: number; ccr: number }
  sides: Record<Side, { runs: SideRun[]; median: SideSummary }>
  /** ccr's requests/s over direct's. */
  throughputRatio: number
  /** The bare proxy's requests/s over direct's: the floor the issue compares against. */
  bareThroughputRatio: number
  /** ccr minus direct, from the medians of each side's percentiles. */
  addedLatencyMs: { p50: number; p99: number }
  addedTtfbMs: { p50: number; p99: number } | undefined
  /** The bare proxy minus direct. */
  bareAddedLatencyMs: { p50: number; p99: number }
  bareAddedTtfbMs: { p50: number; p99: number } | undefined
}

const sides: Side[] = ['direct', 'bare', 'ccr']

/**
 * Runs a workload interleaved: a warm-up of each side, then direct, bare, ccr, direct, bare,
 * ccr… so that a slow moment of the machine hits every side alike.
 */
export async function runWorkload(
  prepared: PreparedWorkload,
  plan: Plan,
  processes: {
    fake: { pid: number; url: string }
    /** What sits in ccr's place: ccr itself unless named (the JSON floor). */
    router: { pid: number; name?: string }
    bare: { pid: number }
  },
  log: (line: string) => void,
): Promise<WorkloadResult> {
  const { workload } = prepared
  const concurrency = Math.min(workload.concurrency, plan.maxConcurrency)
  const tool = plan.useWrk && !workload.stream ? 'wrk' : 'bun'
  const load = (target: Target, durationS: number): LoadOptions => ({
    tool,
    url: target.url,
    bodyFile: target.bodyFile,
    headersFile: target.headersFile,
    concurrency,
    durationS,
    expect: target.expect,
    spreadMs: workload.spreadMs,
    core: plan.generatorCore,
  })
  const base = { fake: processes.fake, settleMs: plan.settleMs }
  const contexts: Record<Side, SideContext> = {
    direct: base,
    bare: { ...base, proxy: { pid: processes.bare.pid, core: plan.routerCore } },
    ccr: { ...base, proxy: { pid: processes.router.pid, core: plan.routerCore } },
  }
  if (plan.warmupS > 0) {
    for (const side of sides) await measureSide(load(prepared[side], plan.warmupS), contexts[side])
  }
  const runs: Record<Side, SideRun[]> = { direct: [], bare: [], ccr: [] }
  for (let repeat = 0; repeat < plan.repeats; repeat++) {
    for (const side of sides) {
      runs[side].push(await measureSide(load(prepared[side], plan.durationS), contexts[side]))
    }
    const rate = (side: Side) => runs[side].at(-1)?.rps.toFixed(0)
    const name = processes.router.name ?? 'ccr'
    log(
      `  ${workload.id} #${repeat + 1}: req/s direct ${rate('direct')}, bare ${rate('bare')}, ` +
        `${name} ${rate('ccr')}; ${name} CPU ${runs.ccr.at(-1)?.proxyCpuMsPerRequest?.toFixed(3)} ms/req`,
    )
  }
  const summary = {
    direct: { runs: runs.direct, median: summarize(runs.direct) },
    bare: { runs: runs.bare, median: summarize(runs.bare) },
    ccr: { runs: runs.ccr, median: summarize(runs.ccr) },
  }
  const direct = summary.direct.median
  const added = (side: SideSummary) => ({
    p50: side.latencyP50Ms - direct.latencyP50Ms,
    p99: side.latencyP99Ms - direct.latencyP99Ms,
  })
  const ccr = summary.ccr.median
  const addedTtfb = (side: SideSummary) =>
    side.ttfbP50Ms === undefined || direct.ttfbP50Ms === undefined
      ? undefined
      : {
          p50: side.ttfbP50Ms - direct.ttfbP50Ms,
          p99: (side.ttfbP99Ms ?? Number.NaN) - (direct.ttfbP99Ms ?? Number.NaN),
        }
  return {
    id: workload.id,
    title: workload.title,
    concurrency,
    tool,
    bodyBytes: { direct: prepared.direct.bodyBytes, ccr: prepared.ccr.bodyBytes },
    sides: summary,
    throughputRatio: ccr.rps / direct.rps,
    bareThroughputRatio: summary.bare.median.rps / direct.rps,
    addedLatencyMs: added(ccr),
    addedTtfbMs: addedTtfb(ccr),
    bareAddedLatencyMs: added(summary.bare.median),
    bareAddedTtfbMs: addedTtfb(summary.bare.median),
  }
}

function summarize(runs: SideRun[]): SideSummary {
  const of = (pick: (run: SideRun) => number | undefined) => {
    const values = runs.map(pick).filter((value): value is number => value !== undefined)
    return values.length === 0 ? undefined : median(values)
  }
  const highest = (pick: (run: SideRun) => number | undefined) => {
    const values = runs.map(pick).filter((value): value is number => value !== undefined)
    return values.length === 0 ? undefined : Math.max(...values)
  }
  return {
    rps: of((run) => run.rps) ?? Number.NaN,
    latencyP50Ms: of((run) => run.latencyMs.p50) ?? Number.NaN,
    latencyP99Ms: of((run) => run.latencyMs.p99) ?? Number.NaN,
    ttfbP50Ms: of((run) => run.ttfbMs?.p50),
    ttfbP99Ms: of((run) => run.ttfbMs?.p99),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    firstError: runs.find((run) => run.firstError !== undefined)?.firstError,
    proxyCpuMsPerRequest: of((run) => run.proxyCpuMsPerRequest),
    proxyPeakRssMb: highest((run) => run.proxyPeakRssMb),
    worstDisturbance: highest((run) => {
      const shares = [run.proxyCore, run.generatorCore].filter((core) => core !== undefined)
      return shares.length === 0
        ? undefined
        : Math.max(...shares.map((core) => core.others + core.steal))
    }),
    fakeCpuMsPerRequest: of((run) => run.fakeCpuMsPerRequest) ?? Number.NaN,
    generatorCoreBusy: of((run) => run.generatorCoreBusy) ?? Number.NaN,
    upstreamBodyBytes: of((run) => run.upstreamBodyBytes) ?? Number.NaN,
  }
}
