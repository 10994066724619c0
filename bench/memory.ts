import { runLoad, type LoadOptions } from './load.ts'
import type { PreparedWorkload, Target } from './prepare.ts'
import { cpuMs, memoryMb, watchMemory } from './proc-stats.ts'

/** The router's memory over rounds of many concurrent slow streams. */
export interface MemoryResult {
  streams: number
  rounds: number
  /** RSS of the fresh router before the first request, after start-up settled. */
  idleRssMb: number
  /** The idle router's CPU use over the same wait, in % of a core (timers, watchers). */
  idleCpuPercent: number
  /** The highest RSS over all rounds. */
  peakRssMb: number
  /** RSS after each round, once the streams ended and `settleMs` passed. */
  afterRoundRssMb: number[]
  /** RSS after the last round minus after the first: what a leak would grow. */
  growthMb: number
  /** Seconds each round took through ccr, and one round straight to the fake. */
  roundSeconds: number[]
  directRoundSeconds: number
  /** One round through the bare pass-through proxy: its time and the proxy's peak RSS. */
  bare: { roundSeconds: number; peakRssMb: number }
  /** Router CPU per stream over all rounds. */
  routerCpuMsPerStream: number
  errors: number
  firstError: string | undefined
}

/**
 * `streams` requests at once, each a slow stream, repeated `rounds` times through a router that
 * served nothing before; RSS is sampled throughout and read after each round.
 */
export async function runSlowStreams(options: {
  prepared: PreparedWorkload
  streams: number
  rounds: number
  router: { pid: number }
  bare: { pid: number }
  generatorCore: number | undefined
  idleMs: number
  settleMs: number
  log: (line: string) => void
}): Promise<MemoryResult> {
  const { prepared, streams, router } = options
  const load = (target: Target): LoadOptions => ({
    tool: 'bun',
    url: target.url,
    bodyFile: target.bodyFile,
    headersFile: target.headersFile,
    concurrency: streams,
    requests: streams,
    durationS: 600,
    expect: target.expect,
    core: options.generatorCore,
  })
  await Bun.sleep(Math.min(500, options.idleMs))
  const idleFrom = cpuMs(router.pid) ?? Number.NaN
  const idleStarted = performance.now()
  await Bun.sleep(Math.max(0, options.idleMs - 500))
  const idleCpuPercent =
    (100 * ((cpuMs(router.pid) ?? Number.NaN) - idleFrom)) / (performance.now() - idleStarted)
  const idleRssMb = memoryMb(router.pid)?.rss ?? Number.NaN
  const direct = await runLoad(load(prepared.direct))
  const bareWatch = watchMemory(options.bare.pid, 25)
  const bare = await runLoad(load(prepared.bare))
  const barePeak = bareWatch.stop().peakMb
  const watch = watchMemory(router.pid, 25)
  const cpuBefore = cpuMs(router.pid) ?? Number.NaN
  const afterRoundRssMb: number[] = []
  const roundSeconds: number[] = []
  let errors = direct.errors + bare.errors
  let firstError = direct.firstError ?? bare.firstError
  let completed = 0
  for (let round = 0; round < options.rounds; round++) {
    const result = await runLoad(load(prepared.ccr))
    completed += result.requests
    errors += result.errors
    firstError ??= result.firstError
    roundSeconds.push(result.elapsedS)
    await Bun.sleep(options.settleMs)
    afterRoundRssMb.push(memoryMb(router.pid)?.rss ?? Number.NaN)
    options.log(
      `  ${prepared.workload.id} round ${round + 1}: ${result.elapsedS.toFixed(2)} s, ` +
        `RSS after ${afterRoundRssMb.at(-1)?.toFixed(1)} MB`,
    )
  }
  const cpu = (cpuMs(router.pid) ?? Number.NaN) - cpuBefore
  const { peakMb } = watch.stop()
  return {
    streams,
    rounds: options.rounds,
    idleRssMb,
    idleCpuPercent,
    peakRssMb: peakMb,
    afterRoundRssMb,
    growthMb: (afterRoundRssMb.at(-1) ?? Number.NaN) - (afterRoundRssMb[0] ?? Number.NaN),
    roundSeconds,
    directRoundSeconds: direct.elapsedS,
    bare: { roundSeconds: bare.elapsedS, peakRssMb: barePeak },
    routerCpuMsPerStream: completed > 0 ? cpu / completed : Number.NaN,
    errors,
    firstError,
  }
}
