/**
 * The router benchmark: each workload straight to a fake upstream and through the compiled ccr,
 * interleaved, on pinned cores; then many slow streams for memory, then cold start.
 *
 *   bun bench/run.ts              full run (~10 min): writes bench/results/<date>.json and .md
 *                                 and the results section of bench/README.md
 *   bun bench/run.ts --smoke      ~15 s, small concurrency, no wrk or taskset needed
 *   bun bench/run.ts --profile    CPU profiles of the router (from source) under load
 *   bun bench/run.ts --render <results.json>   the tables again from saved results
 *
 * Options: --out <file> (the JSON), --only <id,id> (workloads; written to <date>-only.json,
 * README untouched), --repeats N, --duration S, --no-readme.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { cpus, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadFixture, repoRoot } from './bodies.ts'
import { gitCommit } from './git-commit.ts'
import { measureColdStart } from './cold-start.ts'
import { runSlowStreams } from './memory.ts'
import { prepareWorkload } from './prepare.ts'
import {
  buildBinary,
  freePort,
  startBareProxy,
  startFake,
  startRouter,
  writeHome,
} from './processes.ts'
import { memoryMb } from './proc-stats.ts'
import { profileRouter } from './profile.ts'
import type { RunFacts } from './report.ts'
import { renderAgain, writeResults } from './results.ts'
import { routerConfig } from './router-config.ts'
import { planFor, runWorkload, type WorkloadResult } from './run-workload.ts'
import { slowStreams, workloads, type Workload } from './workloads.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    smoke: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    repeats: { type: 'string' },
    duration: { type: 'string' },
    'no-readme': { type: 'boolean', default: false },
    render: { type: 'string' },
  },
})
if (values.render !== undefined) {
  await renderAgain(values.render, !values['no-readme'])
  process.exit(0)
}
const smoke = values.smoke
const log = (line: string) => process.stderr.write(`${line}\n`)
const date = new Date().toISOString().slice(0, 10)
const plan = planFor({ smoke, repeats: values.repeats, duration: values.duration })
const memoryPlan = smoke
  ? {
      ...slowStreams,
      profile: { chunks: 10, firstByteMs: 20, gapMs: 10, tools: true },
      streams: 20,
      rounds: 2,
    }
  : slowStreams
const selected = workloads.filter(
  (workload) => values.only === undefined || values.only.split(',').includes(workload.id),
)
const memoryWorkload: Workload = {
  id: memoryPlan.id,
  title: memoryPlan.title,
  protocol: memoryPlan.protocol,
  profile: memoryPlan.profile,
  stream: true,
  concurrency: memoryPlan.streams,
  body: 'claude-code',
  route: 'explicit',
}

const directory = mkdtempSync(join(tmpdir(), 'ccr-bench-'))
const fake = await startFake(plan.generatorCore)
const cleanups: (() => Promise<void>)[] = [() => fake.stop()]
try {
  const shapes = [...workloads, memoryWorkload]
  const configFor = (port: number) => routerConfig({ port, fakeUrl: fake.url, shapes })
  if (values.profile) {
    await profileRouter({
      configFor,
      fake,
      directory,
      generatorCore: plan.generatorCore,
      routerCore: plan.routerCore,
      date,
      log,
    })
  } else {
    await runSuite(configFor)
  }
} finally {
  for (const cleanup of cleanups) await cleanup()
  rmSync(directory, { recursive: true, force: true })
}

async function runSuite(configFor: (port: number) => unknown) {
  log(`ccr bench (${smoke ? 'smoke' : 'full'}): building the binary…`)
  // The commit of the tree the binary is built from (src/ may change while the suite runs).
  const commit = gitCommit()
  const binary = await buildBinary(directory)
  const fixture = loadFixture()

  const home = join(directory, 'home')
  const port = freePort()
  writeHome(home, configFor(port))
  const router = await startRouter({ command: [binary], home, port, core: plan.routerCore })
  cleanups.unshift(() => router.stop())
  const bare = await startBareProxy(fake.url, plan.routerCore)
  cleanups.unshift(() => bare.stop())
  await Bun.sleep(smoke ? 300 : 2000)
  const idleRssMb = memoryMb(router.pid)?.rss ?? Number.NaN
  const bodies = join(directory, 'bodies')
  mkdirSync(bodies)
  const results: WorkloadResult[] = []
  for (const workload of selected) {
    log(`${workload.id}: ${workload.title}`)
    const prepared = prepareWorkload({
      workload,
      fixture,
      fakeUrl: fake.url,
      routerUrl: router.url,
      bareUrl: bare.url,
      directory: bodies,
    })
    results.push(await runWorkload(prepared, plan, { fake, router, bare }, log))
  }
  const routerAfterLoads = memoryMb(router.pid)
  await router.stop()

  log(`${memoryWorkload.id}: ${memoryWorkload.title}`)
  const memoryHome = join(directory, 'memory-home')
  const memoryPort = freePort()
  writeHome(memoryHome, configFor(memoryPort))
  const fresh = await startRouter({
    command: [binary],
    home: memoryHome,
    port: memoryPort,
    core: plan.routerCore,
  })
  cleanups.unshift(() => fresh.stop())
  const memory = await runSlowStreams({
    prepared: prepareWorkload({
      workload: memoryWorkload,
      fixture,
      fakeUrl: fake.url,
      routerUrl: fresh.url,
      bareUrl: bare.url,
      directory: bodies,
    }),
    streams: memoryPlan.streams,
    rounds: memoryPlan.rounds,
    router: fresh,
    bare,
    generatorCore: plan.generatorCore,
    idleMs: smoke ? 600 : 5000,
    settleMs: smoke ? 100 : 2000,
    log,
  })
  await fresh.stop()
  await bare.stop()

  log('cold start')
  const coldStart = await measureColdStart({
    binary,
    directory,
    config: configFor,
    runs: smoke ? 2 : 10,
    core: plan.routerCore,
  })

  const mainRouter = { idleRssMb, afterRssMb: routerAfterLoads?.rss ?? Number.NaN }
  const facts: RunFacts = {
    date,
    mode: smoke ? 'smoke' : 'full',
    commit,
    bun: Bun.version,
    cpus: cpus().length,
    kernel: release(),
    repeats: plan.repeats,
    durationS: plan.durationS,
    pinned: plan.routerCore !== undefined,
    loadTool: plan.useWrk ? 'wrk' : 'the Bun client',
  }
  await writeResults({
    facts,
    plan: { ...plan, maxConcurrency: String(plan.maxConcurrency) },
    outcome: { workloads: results, memory, coldStart, mainRouter },
    out: values.out ?? defaultOut(),
    readme: !smoke && !values['no-readme'] && values.only === undefined,
  })
}

/** Smoke results go to the temp directory; a partial run (`--only`) never replaces a full one. */
function defaultOut(): string {
  if (smoke) return join(tmpdir(), `ccr-bench-smoke-${date}.json`)
  const name = values.only === undefined ? date : `${date}-only`
  return join(repoRoot, 'bench', 'results', `${name}.json`)
}
