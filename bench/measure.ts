import { runLoad, type LoadOptions, type LoadResult } from './load.ts'
import { coreTimes, cpuMs, watchMemory } from './proc-stats.ts'

/** One run of one side (direct, bare proxy, or ccr): the load result and the processes' accounting. */
export interface SideRun extends LoadResult {
  /** The proxy's CPU time (utime + stime, all threads) over the run per completed request. */
  proxyCpuMsPerRequest?: number
  /** The proxy's peak RSS during the run (VmHWM after a reset, and sampled VmRSS). */
  proxyPeakRssMb?: number
  /** The proxy's core over the run (when pinned); `own` is the proxy. */
  proxyCore?: CoreShares
  /** The load generator's core over the run (when pinned); `own` is the fake and the generator. */
  generatorCore?: CoreShares
  /** The fake upstream's CPU time per completed request. */
  fakeCpuMsPerRequest: number
  /** Share of one core the fake and the load generator used together (their shared core). */
  generatorCoreBusy: number
  /** Mean request body size the fake received: the same on every side of a workload. */
  upstreamBodyBytes: number
}

/**
 * A core over a run, as shares of its time: what the measured processes used, what anything
 * else used (other processes, kernel threads, interrupts), and the hypervisor's steal. A run
 * with much `others` or `steal` was disturbed.
 */
export interface CoreShares {
  own: number
  others: number
  steal: number
}

type CoreTimes = NonNullable<ReturnType<typeof coreTimes>>

function coreShares(
  core: number | undefined,
  before: CoreTimes | undefined,
  after: CoreTimes | undefined,
  ownMs: number | undefined,
): CoreShares | undefined {
  const from = core === undefined ? undefined : before?.[core]
  const to = core === undefined ? undefined : after?.[core]
  if (from === undefined || to === undefined || ownMs === undefined) return undefined
  const total = to.total - from.total
  return {
    own: ownMs / total,
    others: Math.max(0, to.busy - from.busy - ownMs) / total,
    steal: (to.steal - from.steal) / total,
  }
}

/** What a side run needs besides the load: the processes to account for. */
export interface SideContext {
  fake: { pid: number; url: string }
  /** The proxy between client and fake (ccr or the bare proxy); absent for direct. */
  proxy?: { pid: number; core: number | undefined }
  /** Time for the proxy to finish what the requests left (log lines, ledger rows). */
  settleMs: number
}

/** Runs the load once and reads the proxy's and the fake's own accounting around it. */
export async function measureSide(load: LoadOptions, context: SideContext): Promise<SideRun> {
  const { fake, proxy } = context
  await fetch(`${fake.url}/stats`, { method: 'POST' }).then((response) => response.arrayBuffer())
  const fakeBefore = cpuMs(fake.pid) ?? Number.NaN
  const proxyBefore = proxy === undefined ? undefined : cpuMs(proxy.pid)
  const coresBefore = coreTimes()
  const memory = proxy === undefined ? undefined : watchMemory(proxy.pid)
  const startedAt = performance.now()
  const result = await runLoad(load)
  const wallMs = performance.now() - startedAt
  await Bun.sleep(context.settleMs)
  const peak = memory?.stop()
  const proxyAfter = proxy === undefined ? undefined : cpuMs(proxy.pid)
  const coresAfter = coreTimes()
  const fakeCpu = (cpuMs(fake.pid) ?? Number.NaN) - fakeBefore
  const seen = (await fetch(`${fake.url}/stats`).then((response) => response.json())) as {
    requests: number
    bodyBytes: number
  }
  const perRequest = (ms: number) => (result.requests > 0 ? ms / result.requests : Number.NaN)
  const proxyCpu =
    proxyBefore === undefined || proxyAfter === undefined ? undefined : proxyAfter - proxyBefore
  const proxyCore = coreShares(proxy?.core, coresBefore, coresAfter, proxyCpu)
  const generatorCore = coreShares(
    load.core,
    coresBefore,
    coresAfter,
    fakeCpu + result.generatorCpuMs,
  )
  return {
    ...result,
    ...(proxyCpu === undefined ? {} : { proxyCpuMsPerRequest: perRequest(proxyCpu) }),
    ...(peak === undefined ? {} : { proxyPeakRssMb: peak.peakMb }),
    ...(proxyCore === undefined ? {} : { proxyCore }),
    ...(generatorCore === undefined ? {} : { generatorCore }),
    fakeCpuMsPerRequest: perRequest(fakeCpu),
    generatorCoreBusy: (fakeCpu + result.generatorCpuMs) / wallMs,
    upstreamBodyBytes: seen.requests > 0 ? seen.bodyBytes / seen.requests : 0,
  }
}
