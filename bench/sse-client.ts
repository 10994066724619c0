/**
 * The benchmark's own load generator for what wrk cannot measure: time to first byte of a
 * stream, whole-stream time, and exactly N concurrent streams. Also the fallback for
 * non-streaming load where wrk is not installed (smoke runs, CI).
 *
 *   bun bench/sse-client.ts --url <url> --body <file> --headers <file> --concurrency 50
 *     [--duration 5] [--requests N] [--expect message_stop] [--spread 1000]
 *
 * Each of `concurrency` workers posts the body (its newest turn numbered per request, see
 * turn-variants.ts), reads the answer to its end and starts again, until `duration` seconds
 * have passed or `requests` have started. With `--spread`, worker i starts i × spread /
 * concurrency ms in: streams that all take the same time would otherwise keep starting
 * together, every request arriving with the others of its round. A request counts as an error
 * when the status is not 2xx, or when `--expect` is given and the last bytes lack it. Prints
 * one JSON line (LoadResult, see load.ts). Set BUN_CONFIG_MAX_HTTP_REQUESTS above the
 * concurrency: Bun's fetch otherwise queues beyond 256 connections.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseHeaderLines } from './header-lines.ts'
import { ascending, percentile } from './stats.ts'
import { turnVariants } from './turn-variants.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    url: { type: 'string' },
    body: { type: 'string' },
    headers: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    duration: { type: 'string', default: '5' },
    requests: { type: 'string' },
    expect: { type: 'string' },
    spread: { type: 'string', default: '0' },
  },
})
if (values.url === undefined || values.body === undefined || values.headers === undefined) {
  process.stderr.write('usage: sse-client.ts --url <url> --body <file> --headers <file> …\n')
  process.exit(2)
}
const url = values.url
const bodies = turnVariants(new Uint8Array(readFileSync(values.body)))
const headers = parseHeaderLines(readFileSync(values.headers, 'utf8'))
const concurrency = Number(values.concurrency)
const limit = values.requests === undefined ? Number.POSITIVE_INFINITY : Number(values.requests)
const expected = values.expect
const spreadMs = Number(values.spread)
const decoder = new TextDecoder()

const latencies: number[] = []
const firstBytes: number[] = []
let started = 0
let errors = 0
let firstError: string | undefined
const begin = performance.now()
const deadline = begin + Number(values.duration) * 1000
const cpuBefore = process.cpuUsage()

function fail(reason: string) {
  errors++
  firstError ??= reason
}

async function once() {
  const sent = performance.now()
  const body = bodies[started % bodies.length]
  const response = await fetch(url, { method: 'POST', headers, body })
  const reader = response.body?.getReader()
  let firstByte: number | undefined
  let last: Uint8Array | undefined
  let previous: Uint8Array | undefined
  if (reader !== undefined) {
    for (;;) {
      const next = await reader.read()
      if (next.done) break
      firstByte ??= performance.now()
      previous = last
      last = next.value
    }
  }
  const done = performance.now()
  if (!response.ok) {
    const text = last === undefined ? '' : decoder.decode(last)
    return fail(`HTTP ${response.status}: ${text.slice(0, 300)}`)
  }
  if (expected !== undefined) {
    const tail =
      decoder.decode(previous ?? new Uint8Array()) + decoder.decode(last ?? new Uint8Array())
    if (!tail.includes(expected))
      return fail(`the answer did not end with ${expected}: …${tail.slice(-200)}`)
  }
  latencies.push(done - sent)
  firstBytes.push((firstByte ?? done) - sent)
}

async function worker(index: number) {
  if (spreadMs > 0) await Bun.sleep((index * spreadMs) / concurrency)
  while (started < limit && performance.now() < deadline) {
    started++
    try {
      await once()
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error))
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)))
const elapsedS = (performance.now() - begin) / 1000
const cpu = process.cpuUsage(cpuBefore)
const latency = ascending(latencies)
const ttfb = ascending(firstBytes)
const result = {
  requests: latencies.length,
  errors,
  firstError,
  elapsedS,
  rps: latencies.length / elapsedS,
  latencyMs: {
    p50: percentile(latency, 0.5),
    p90: percentile(latency, 0.9),
    p99: percentile(latency, 0.99),
    max: latency.at(-1) ?? Number.NaN,
  },
  ttfbMs: { p50: percentile(ttfb, 0.5), p90: percentile(ttfb, 0.9), p99: percentile(ttfb, 0.99) },
  generatorCpuMs: (cpu.user + cpu.system) / 1000,
}
process.stdout.write(`${JSON.stringify(result)}\n`)
