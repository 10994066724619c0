/**
 * A/B of two routers under the same load: "a" is a binary given (a build of another commit),
 * or this tree's build with other environment settings; "b" is this tree's build, or a binary
 * given too (two scratch builds, neither of them this tree). The two run
 * side by side on the router's core and are loaded in turn, a, b, a, b…, so a slow moment of the
 * machine hits both. What a change costs is read here, not from a micro-benchmark.
 *
 *   bun bench/ab.ts --a <binary> [--only stream-c50,nonstream-c50] [--repeats 5] [--duration 5]
 *   bun bench/ab.ts --a <binary> --b <binary>
 *   bun bench/ab.ts --a-env '{"BUN_JSC_forceRAMSize":"0"}' --only nonstream-c50
 *
 * Prints, per workload and router, the medians: requests/s, router CPU per request, peak RSS,
 * latency p50/p99 and time to first byte.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadFixture } from './bodies.ts'
import { measureSide, type SideRun } from './measure.ts'
import { canPin } from './pinning.ts'
import { prepareWorkload } from './prepare.ts'
import { buildBinary, freePort, startFake, startRouter, writeHome } from './processes.ts'
import { routerConfig } from './router-config.ts'
import { median } from './stats.ts'
import { workloads } from './workloads.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    'a-env': { type: 'string', default: '{}' },
    'b-env': { type: 'string', default: '{}' },
    only: { type: 'string', default: 'nonstream-c50,stream-c50' },
    repeats: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
  },
})
const log = (line: string) => process.stderr.write(`${line}\n`)
const routerCore = canPin ? 0 : undefined
const generatorCore = canPin ? 1 : undefined
if (canPin) Bun.spawnSync(['taskset', '-pc', '1', String(process.pid)], { stdout: 'ignore' })
const hasWrk = Bun.which('wrk') !== null

const directory = mkdtempSync(join(tmpdir(), 'ccr-ab-'))
const fake = await startFake(generatorCore)
const stops: (() => Promise<void>)[] = [() => fake.stop()]
try {
  const needsTree = values.a === undefined || values.b === undefined
  if (needsTree) log('building this tree…')
  const built = needsTree ? await buildBinary(directory) : ''
  // Each side runs a fresh copy: a binary's RSS depends on how much of its file is in the page
  // cache (a fault maps the cached pages around it too), and a binary just built is all there.
  const fresh = (binary: string, name: string) => {
    const copy = join(directory, `ccr-${name}`)
    copyFileSync(binary, copy)
    return copy
  }
  const sides = {
    a: {
      binary: fresh(values.a ?? built, 'a'),
      env: JSON.parse(values['a-env']) as Record<string, string>,
    },
    b: {
      binary: fresh(values.b ?? built, 'b'),
      env: JSON.parse(values['b-env']) as Record<string, string>,
    },
  }
  const shapes = workloads
  const routers = {} as Record<'a' | 'b', { pid: number; url: string }>
  for (const name of ['a', 'b'] as const) {
    const home = join(directory, name)
    const port = freePort()
    writeHome(home, routerConfig({ port, fakeUrl: fake.url, shapes }))
    const router = await startRouter({
      command: [sides[name].binary],
      home,
      port,
      core: routerCore,
      env: sides[name].env,
    })
    stops.unshift(() => router.stop())
    routers[name] = router
  }
  await Bun.sleep(2000)
  const fixture = loadFixture()
  const bodies = join(directory, 'bodies')
  mkdirSync(bodies)
  for (const workload of workloads.filter((each) => values.only.split(',').includes(each.id))) {
    const prepare = (name: 'a' | 'b') =>
      prepareWorkload({
        workload,
        fixture,
        fakeUrl: fake.url,
        routerUrl: routers[name].url,
        bareUrl: fake.url,
        directory: join(bodies, name),
      }).ccr
    mkdirSync(join(bodies, 'a'), { recursive: true })
    mkdirSync(join(bodies, 'b'), { recursive: true })
    const targets = { a: prepare('a'), b: prepare('b') }
    const run = (name: 'a' | 'b', durationS: number) =>
      measureSide(
        {
          tool: hasWrk && !workload.stream ? 'wrk' : 'bun',
          url: targets[name].url,
          bodyFile: targets[name].bodyFile,
          headersFile: targets[name].headersFile,
          concurrency: workload.concurrency,
          durationS,
          expect: targets[name].expect,
          spreadMs: workload.spreadMs,
          core: generatorCore,
        },
        { fake, proxy: { pid: routers[name].pid, core: routerCore }, settleMs: 300 },
      )
    await run('a', 1)
    await run('b', 1)
    const runs: Record<'a' | 'b', SideRun[]> = { a: [], b: [] }
    for (let repeat = 0; repeat < Number(values.repeats); repeat++) {
      for (const name of ['a', 'b'] as const) {
        const result = await run(name, Number(values.duration))
        runs[name].push(result)
        log(
          `  ${workload.id} ${name} #${repeat + 1}: ${result.rps.toFixed(0)} req/s, ` +
            `${result.proxyCpuMsPerRequest?.toFixed(3)} ms CPU/req, ` +
            `${result.proxyPeakRssMb?.toFixed(1)} MB, errors ${result.errors}`,
        )
      }
    }
    const of = (name: 'a' | 'b', pick: (run: SideRun) => number | undefined) =>
      median(runs[name].map(pick).filter((value): value is number => value !== undefined))
    console.log(`\n${workload.id} (medians of ${values.repeats})`)
    console.log('router | req/s | CPU ms/req | peak RSS MB | p50 ms | p99 ms | TTFB p50 ms')
    for (const name of ['a', 'b'] as const) {
      const cells = [
        of(name, (each) => each.rps).toFixed(0),
        of(name, (each) => each.proxyCpuMsPerRequest).toFixed(3),
        of(name, (each) => each.proxyPeakRssMb).toFixed(1),
        of(name, (each) => each.latencyMs.p50).toFixed(2),
        of(name, (each) => each.latencyMs.p99).toFixed(2),
        of(name, (each) => each.ttfbMs?.p50).toFixed(2),
      ]
      console.log(`${name} | ${cells.join(' | ')}`)
    }
  }
} finally {
  for (const stop of stops) await stop()
  rmSync(directory, { recursive: true, force: true })
}
