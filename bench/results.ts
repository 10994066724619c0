import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import * as prettier from 'prettier'
import { repoRoot } from './bodies.ts'
import { renderMarkdown, rewriteReadme, type RunFacts } from './report.ts'
import { checkTargets, type SuiteOutcome } from './targets.ts'

/** Everything a run measured, as the results JSON holds it. */
export type Outcome = SuiteOutcome & { mainRouter: { idleRssMb: number; afterRssMb: number } }

/**
 * Writes the results JSON (formatted as the repository's `prettier --check` wants it), the
 * Markdown next to it for a full run, and the README's results section when asked; prints the
 * Markdown.
 */
export async function writeResults(options: {
  facts: RunFacts
  plan: unknown
  outcome: Outcome
  out: string
  readme: boolean
}): Promise<void> {
  const { facts, outcome, out } = options
  const targets = checkTargets(outcome)
  const markdown = renderMarkdown(facts, outcome, targets)
  mkdirSync(dirname(out), { recursive: true })
  const json = { ...facts, plan: options.plan, ...outcome, targets, markdown }
  const config = (await prettier.resolveConfig(out)) ?? {}
  writeFileSync(out, await prettier.format(JSON.stringify(json), { ...config, parser: 'json' }))
  if (facts.mode === 'full') writeFileSync(out.replace(/\.json$/, '.md'), markdown)
  if (options.readme) rewriteReadme(join(repoRoot, 'bench', 'README.md'), markdown)
  process.stdout.write(`\n${markdown}\nresults: ${out}\n`)
}

/**
 * Renders a results JSON again with the current report code (targets, tables) without
 * measuring anything: for a change of the report's form.
 */
export async function renderAgain(file: string, readme: boolean): Promise<void> {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as RunFacts & Outcome & { plan: unknown }
  const facts: RunFacts = {
    date: saved.date,
    mode: saved.mode,
    commit: saved.commit,
    bun: saved.bun,
    cpus: saved.cpus,
    kernel: saved.kernel,
    repeats: saved.repeats,
    durationS: saved.durationS,
    pinned: saved.pinned,
    loadTool: saved.loadTool,
  }
  const outcome: Outcome = {
    workloads: saved.workloads,
    memory: saved.memory,
    coldStart: saved.coldStart,
    mainRouter: saved.mainRouter,
  }
  await writeResults({ facts, plan: saved.plan, outcome, out: file, readme })
}
