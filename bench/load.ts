import { join } from 'node:path'
import { pinned } from './pinning.ts'
import { runToEnd } from './processes.ts'

/** What one load run measured, whichever tool generated it. */
export interface LoadResult {
  /** Completed requests (errors not counted). */
  requests: number
  errors: number
  firstError?: string
  elapsedS: number
  rps: number
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  /** Time to the first body byte; only the Bun client measures it. */
  ttfbMs?: { p50: number; p90: number; p99: number }
  /** CPU time of the load generator process itself. */
  generatorCpuMs: number
}

/** One load run: which tool, where to, what to send, how hard and for how long. */
export interface LoadOptions {
  tool: 'wrk' | 'bun'
  url: string
  bodyFile: string
  headersFile: string
  concurrency: number
  durationS: number
  /** Stop after this many requests have started (Bun client only). */
  requests?: number
  /** Bytes the end of each answer must contain (Bun client only). */
  expect?: string | undefined
  /** Workers start spread over this many ms (Bun client only; see `Workload.spreadMs`). */
  spreadMs?: number | undefined
  /** The core to pin the generator to; undefined runs it unpinned. */
  core: number | undefined
}

const benchDir = import.meta.dir

/** Runs the load generator as its own process and returns what it measured. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return options.tool === 'wrk' ? runWrk(options) : runBunClient(options)
}

async function runBunClient(options: LoadOptions): Promise<LoadResult> {
  const args = [
    process.execPath,
    join(benchDir, 'sse-client.ts'),
    `--url=${options.url}`,
    `--body=${options.bodyFile}`,
    `--headers=${options.headersFile}`,
    `--concurrency=${options.concurrency}`,
    `--duration=${options.durationS}`,
    ...(options.requests === undefined ? [] : [`--requests=${options.requests}`]),
    ...(options.expect === undefined ? [] : [`--expect=${options.expect}`]),
    ...(options.spreadMs === undefined ? [] : [`--spread=${options.spreadMs}`]),
  ]
  const env = { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(options.concurrency + 64) }
  const { stdout, cpuMs } = await runProcess(pinned(options.core, args), env)
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as LoadResult
  return { ...result, generatorCpuMs: cpuMs }
}

interface WrkSummary {
  requests: number
  durationUs: number
  non2xx: number
  socketErrors: number
  p50Us: number
  p90Us: number
  p99Us: number
  maxUs: number
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const args = [
    'wrk',
    '-t1',
    `-c${options.concurrency}`,
    `-d${Math.max(1, Math.round(options.durationS))}s`,
    '--timeout=10s',
    '--latency',
    '-s',
    join(benchDir, 'wrk-post.lua'),
    options.url,
  ]
  const env = { ...process.env, BENCH_BODY: options.bodyFile, BENCH_HEADERS: options.headersFile }
  const { stdout, cpuMs } = await runProcess(pinned(options.core, args), env)
  const line = stdout.split('\n').find((text) => text.startsWith('BENCH_JSON '))
  if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`)
  const summary = JSON.parse(line.slice('BENCH_JSON '.length)) as WrkSummary
  const errors = summary.non2xx + summary.socketErrors
  const requests = summary.requests - summary.non2xx
  const elapsedS = summary.durationUs / 1e6
  return {
    requests,
    errors,
    ...(errors > 0
      ? { firstError: `${summary.non2xx} non-2xx, ${summary.socketErrors} socket errors` }
      : {}),
    elapsedS,
    rps: requests / elapsedS,
    latencyMs: {
      p50: summary.p50Us / 1000,
      p90: summary.p90Us / 1000,
      p99: summary.p99Us / 1000,
      max: summary.maxUs / 1000,
    },
    generatorCpuMs: cpuMs,
  }
}

async function runProcess(argv: string[], env: Record<string, string | undefined>) {
  const { stdout, child } = await runToEnd(argv, { env })
  const usage = child.resourceUsage()
  const cpuMs = usage === undefined ? Number.NaN : Number(usage.cpuTime.total) / 1000
  return { stdout, cpuMs }
}
