import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadFixture, repoRoot } from './bodies.ts'
import { gitCommit } from './git-commit.ts'
import { runLoad } from './load.ts'
import { prepareWorkload } from './prepare.ts'
import { freePort, startRouter, writeHome } from './processes.ts'
import { renderSummary, summarizeProfile, type CpuProfile } from './profile-summary.ts'
import { workloads } from './workloads.ts'

/** The workloads profiled: where the CPU per request targets are set, and the realistic paced stream. */
const profiled = ['nonstream-c50', 'stream-c50', 'paced-stream-c10']

/**
 * Runs the router from source under `bun --cpu-prof`, one fresh router per profiled workload
 * (2 s warm-up, then 10 s of load), and writes the summaries to
 * `bench/results/<date>-profile.md`; the raw `.cpuprofile` files are kept in
 * `<tmpdir>/ccr-bench-profiles/` (too large to commit; open them in Chrome DevTools or
 * `bench/profile-summary.ts`). Source rather than the binary: the binary is minified, so its
 * profile has no function names.
 */
export async function profileRouter(options: {
  configFor: (port: number) => unknown
  fake: { pid: number; url: string }
  directory: string
  routerCore: number | undefined
  generatorCore: number | undefined
  date: string
  log: (line: string) => void
}): Promise<void> {
  const fixture = loadFixture()
  const commit = gitCommit()
  const sections: string[] = []
  const kept = join(tmpdir(), 'ccr-bench-profiles')
  mkdirSync(kept, { recursive: true })
  for (const id of profiled) {
    const workload = workloads.find((candidate) => candidate.id === id)
    if (workload === undefined) continue
    const home = join(options.directory, `profile-${id}`)
    const profiles = join(home, 'profiles')
    mkdirSync(profiles, { recursive: true })
    const port = freePort()
    writeHome(home, options.configFor(port))
    const command = [
      process.execPath,
      '--cpu-prof',
      `--cpu-prof-dir=${profiles}`,
      join(repoRoot, 'src', 'main.ts'),
    ]
    const router = await startRouter({ command, home, port, core: options.routerCore })
    const prepared = prepareWorkload({
      workload,
      fixture,
      fakeUrl: options.fake.url,
      routerUrl: router.url,
      // Only the ccr side runs here; the bare side would post straight to the fake.
      bareUrl: options.fake.url,
      directory: home,
    })
    const tool = !workload.stream && Bun.which('wrk') !== null ? 'wrk' : 'bun'
    for (const durationS of [2, 10]) {
      const result = await runLoad({
        tool,
        url: prepared.ccr.url,
        bodyFile: prepared.ccr.bodyFile,
        headersFile: prepared.ccr.headersFile,
        concurrency: workload.concurrency,
        durationS,
        expect: prepared.ccr.expect,
        spreadMs: workload.spreadMs,
        core: options.generatorCore,
      })
      options.log(
        `  ${id}: ${durationS} s, ${result.rps.toFixed(0)} req/s, ${result.errors} errors`,
      )
    }
    await router.stop(30_000)
    const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error(`no .cpuprofile in ${profiles}`)
    copyFileSync(join(profiles, file), join(kept, `${options.date}-${id}.cpuprofile`))
    const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as CpuProfile
    sections.push(renderSummary(summarizeProfile(profile, 30), `${id} (${workload.title})`, 15))
  }
  const markdown = [`Profiled at commit \`${commit}\`, Bun ${Bun.version}.`, '', ...sections].join(
    '\n',
  )
  const out = join(repoRoot, 'bench', 'results', `${options.date}-profile.md`)
  writeFileSync(out, markdown)
  process.stdout.write(`${markdown}\nprofile summaries: ${out}\nprofiles: ${kept}\n`)
}
