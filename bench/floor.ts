/**
 * The JSON floor: what the workloads cost a proxy that only parses and re-serialises the JSON it
 * passes (`bare-proxy.ts` with `BARE_JSON=1`), next to direct and the bare pass-through, on the
 * same harness as the suite (pinned cores, interleaved runs, medians). Any router that reads
 * what it routes spends at least this; a target beyond the floor cannot be met by one, however
 * it is written. ccr is not run here: its figures are the suite's.
 *
 *   bun bench/floor.ts [--only nonstream-c50,long-context-c10] [--repeats 3] [--duration 5]
 *   bun bench/floor.ts --smoke      # a second per side, small concurrency (the test runs it)
 *
 * Prints a Markdown table.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadFixture } from './bodies.ts'
import { prepareWorkload } from './prepare.ts'
import { startBareProxy, startFake } from './processes.ts'
import { planFor, runWorkload } from './run-workload.ts'
import { workloads } from './workloads.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    only: { type: 'string', default: 'nonstream-c1,nonstream-c50,stream-c50,long-context-c10' },
    repeats: { type: 'string' },
    duration: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
})
const smoke = values.smoke
const log = (line: string) => process.stderr.write(`${line}\n`)
const plan = planFor({ smoke, repeats: values.repeats, duration: values.duration })
const selected = values.only.split(',').map((id) => {
  const workload = workloads.find((each) => each.id === id)
  if (workload === undefined) throw new Error(`no workload ${id}`)
  if (workload.protocol !== 'openai') throw new Error(`${id}: the floor is for translated work`)
  return workload
})

const directory = mkdtempSync(join(tmpdir(), 'ccr-floor-'))
const fake = await startFake(plan.generatorCore)
const stops = [() => fake.stop()]
try {
  const bare = await startBareProxy(fake.url, plan.routerCore)
  stops.unshift(() => bare.stop())
  const floor = await startBareProxy(fake.url, plan.routerCore, { json: true })
  stops.unshift(() => floor.stop())
  const fixture = loadFixture()
  const rows: string[] = []
  for (const workload of selected) {
    const workloadDirectory = join(directory, workload.id)
    mkdirSync(workloadDirectory)
    const prepared = prepareWorkload({
      workload,
      fixture,
      fakeUrl: fake.url,
      routerUrl: floor.url,
      bareUrl: bare.url,
      directory: workloadDirectory,
    })
    // The floor gets what the bare proxy gets: the provider's own request.
    const path = new URL(prepared.direct.url).pathname
    const floorTarget = { ...prepared.bare, url: `${floor.url}${path}` }
    log(`${workload.id}: ${workload.title}`)
    const result = await runWorkload(
      { ...prepared, ccr: floorTarget },
      plan,
      { fake, router: { pid: floor.pid, name: 'floor' }, bare },
      log,
    )
    const { direct, bare: bareSide, ccr: floorSide } = result.sides
    const cells = [
      workload.id,
      direct.median.rps.toFixed(0),
      `${bareSide.median.rps.toFixed(0)} (${result.bareThroughputRatio.toFixed(3)}×)`,
      `${floorSide.median.rps.toFixed(0)} (${result.throughputRatio.toFixed(3)}×)`,
      `${fixed(bareSide.median.proxyCpuMsPerRequest)} / ${fixed(floorSide.median.proxyCpuMsPerRequest)}`,
      `${result.addedLatencyMs.p50.toFixed(3)} / ${result.addedLatencyMs.p99.toFixed(3)}`,
      result.addedTtfbMs === undefined ? '–' : result.addedTtfbMs.p50.toFixed(3),
      `${fixed(bareSide.median.proxyPeakRssMb, 1)} / ${fixed(floorSide.median.proxyPeakRssMb, 1)}`,
      String(direct.median.errors + bareSide.median.errors + floorSide.median.errors),
    ]
    rows.push(`| ${cells.join(' | ')} |`)
  }
  console.log(
    [
      '| workload | direct req/s | bare req/s | JSON floor req/s | CPU ms/req, bare / floor | floor added p50 / p99 ms | floor added TTFB p50 ms | peak RSS MB, bare / floor | errors |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  )
} finally {
  for (const stop of stops) await stop()
  rmSync(directory, { recursive: true, force: true })
}

function fixed(value: number | undefined, digits = 3): string {
  return value === undefined ? '–' : value.toFixed(digits)
}
