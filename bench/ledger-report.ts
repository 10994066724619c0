/**
 * How long `ccr stats` takes on a big ledger: fills one with `--rows` requests spread over a
 * year (four models on three providers, four slots, seven projects, a session every 300
 * requests; errors, cancels, cache hits and unpriced answers among them), then runs each form of
 * the report through the compiled binary, `--repeats` times, and prints the median wall time
 * of each.
 *
 *   bun bench/ledger-report.ts                        a million rows (~240 MB of ledger)
 *   bun bench/ledger-report.ts --rows 2000 --out r.json   quick; the smoke test runs this
 *   bun bench/ledger-report.ts --binary <ccr>         another build
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openStore } from '../src/store/db.ts'
import { insertRows, type LedgerRow } from '../src/store/ledger.ts'
import { buildBinary, runToEnd, writeHome } from './processes.ts'
import { median } from './stats.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    rows: { type: 'string', default: '1000000' },
    repeats: { type: 'string', default: '3' },
    binary: { type: 'string' },
    out: { type: 'string' },
  },
})
const rows = Number(values.rows)
const repeats = Number(values.repeats)
const log = (line: string) => process.stderr.write(`${line}\n`)

/** The forms of the report a person runs. */
const forms = [[], ['--json'], ['--by', 'session'], ['--since', '30d'], ['--providers']]

export interface FormResult {
  args: string[]
  seconds: number
  /** What the `--json` form counted, to show the report read every row. */
  requests?: number
}

const directory = mkdtempSync(join(tmpdir(), 'ccr-ledger-report-'))
try {
  const binary = values.binary ?? (log('building the binary…'), await buildBinary(directory))
  const home = join(directory, 'home')
  writeHome(home, { Providers: [], Router: {} })
  log(`filling a ledger with ${rows} requests…`)
  fill(join(home, 'ccr.db'), rows)
  const results: FormResult[] = []
  for (const args of forms) {
    const runs: { seconds: number; stdout: string }[] = []
    for (let run = 0; run < repeats; run++) runs.push(await report(binary, home, args))
    const last = runs.at(-1)?.stdout ?? ''
    results.push({
      args,
      seconds: median(runs.map((each) => each.seconds)),
      ...(args[0] === '--json'
        ? { requests: (JSON.parse(last) as { totals: { requests: number } }).totals.requests }
        : {}),
    })
  }
  console.log(`\`ccr stats\` on ${rows} requests (medians of ${repeats})\n`)
  console.log('| form | seconds |\n| --- | --- |')
  for (const result of results) {
    const form = ['ccr stats', ...result.args].join(' ')
    console.log(`| \`${form}\` | ${result.seconds.toFixed(2)} |`)
  }
  if (values.out !== undefined) writeFileSync(values.out, JSON.stringify({ rows, results }))
} finally {
  rmSync(directory, { recursive: true, force: true })
}

async function report(binary: string, home: string, args: string[]) {
  const started = performance.now()
  const { stdout } = await runToEnd([binary, 'stats', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CCR_HOME: home },
  })
  return { seconds: (performance.now() - started) / 1000, stdout }
}

/** A deterministic year of requests, written as the router writes them, in batches. */
function fill(path: string, count: number): void {
  const db = openStore(path)
  const models = [
    ['deepseek', 'deepseek-chat'],
    ['deepseek', 'deepseek-reasoner'],
    ['openrouter', 'anthropic/claude-sonnet-4'],
    ['groq', 'llama-3.3-70b'],
  ] as const
  const slots = ['default', 'background', 'think', 'longContext'] as const
  const year = 365 * 86_400_000
  const start = Date.now() - year
  const batch: LedgerRow[] = []
  for (let index = 0; index < count; index++) {
    const [provider, model] = models[index % models.length] ?? models[0]
    const failed = index % 53 === 0
    const cacheHit = !failed && index % 41 === 0
    batch.push({
      time: start + Math.floor((index / count) * year),
      requestId: `req_${index}`,
      sessionId: `session-${Math.floor(index / 300)}`,
      project: `/home/someone/project-${Math.floor(index / 3000) % 7}`,
      slot: slots[index % slots.length] ?? 'default',
      reason: 'Router.default',
      requestedModel: 'claude-sonnet-4-5',
      provider,
      model,
      attempts: [`${provider},${model} ${failed ? 502 : 200}`],
      streamed: true,
      status: failed ? 502 : 200,
      errorType: failed ? 'upstream_error' : index % 97 === 0 ? 'client_closed' : null,
      complete: !failed,
      inputTokens: 1000 + (index % 5000),
      outputTokens: 100 + (index % 700),
      cacheReadTokens: index % 3000,
      cacheWriteTokens: index % 11 === 0 ? 2000 : 0,
      reasoningTokens: model === 'deepseek-reasoner' ? 300 : null,
      latencyMs: 500 + (index % 3000),
      ttftMs: 200 + (index % 900),
      outputTps: 20 + (index % 80),
      costUsd: cacheHit ? 0 : provider === 'groq' ? null : 0.0001 * (index % 50),
      anthropicCostUsd: 0.0003 * (index % 50),
      cacheHit,
      savedUsd: cacheHit ? 0.002 : null,
    })
    if (batch.length === 10_000) insertRows(db, batch.splice(0))
  }
  insertRows(db, batch)
  db.close()
}
