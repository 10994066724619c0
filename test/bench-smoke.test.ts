import { expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MemoryResult } from '../bench/memory.ts'
import type { WorkloadResult } from '../bench/run-workload.ts'
import type { TargetCheck } from '../bench/targets.ts'
import { workloads } from '../bench/workloads.ts'
import { repoRoot } from './helpers.ts'

interface SmokeResult {
  mode: string
  workloads: WorkloadResult[]
  memory: MemoryResult
  coldStart: { runs: number[]; medianMs: number }
  targets: TargetCheck[]
}

const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value)
// CPU time and RSS come from /proc; elsewhere the suite runs but cannot read them.
const hasProc = process.platform === 'linux'

// The suite in smoke mode, so that it cannot rot: it builds the binary, runs every workload for
// half a second at small concurrency, and writes its JSON. No timing is asserted.
test('the benchmark suite runs end to end in smoke mode', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'ccr-bench-smoke-'))
  const out = join(directory, 'result.json')
  try {
    const child = Bun.spawn([process.execPath, 'bench/run.ts', '--smoke', `--out=${out}`], {
      cwd: repoRoot,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [stderr, exitCode] = await Promise.all([
      new Response(child.stderr).text(),
      child.exited,
      new Response(child.stdout).text(),
    ])
    expect({ exitCode, stderr: exitCode === 0 ? '' : stderr }).toEqual({ exitCode: 0, stderr: '' })

    const result = JSON.parse(readFileSync(out, 'utf8')) as SmokeResult
    expect(result.mode).toBe('smoke')
    expect(result.workloads.map((workload) => workload.id)).toEqual(
      workloads.map((workload) => workload.id),
    )
    for (const workload of result.workloads) {
      for (const side of ['direct', 'bare', 'ccr'] as const) {
        const summary = workload.sides[side].median
        expect({
          id: workload.id,
          side,
          errors: summary.errors,
          first: summary.firstError,
        }).toEqual({
          id: workload.id,
          side,
          errors: 0,
          first: undefined,
        })
        expect([summary.rps, summary.latencyP50Ms, summary.latencyP99Ms].every(isNumber)).toBe(true)
        if (side !== 'direct' && hasProc) {
          expect([summary.proxyCpuMsPerRequest, summary.proxyPeakRssMb].every(isNumber)).toBe(true)
        }
      }
      // Every side put the same request on the upstream's wire.
      expect(workload.sides.ccr.median.upstreamBodyBytes).toBe(
        workload.sides.direct.median.upstreamBodyBytes,
      )
      expect(isNumber(workload.throughputRatio)).toBe(true)
      expect(isNumber(workload.addedLatencyMs.p50)).toBe(true)
    }
    expect(result.memory.errors).toBe(0)
    expect(result.memory.afterRoundRssMb).toHaveLength(result.memory.rounds)
    if (hasProc) expect(isNumber(result.memory.peakRssMb)).toBe(true)
    expect(result.coldStart.runs.every(isNumber)).toBe(true)
    expect(result.targets.length).toBeGreaterThan(10)
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}, 240_000)

// The JSON floor (a proxy that only parses and re-serialises what it passes), so that the
// figure the README argues from can always be measured again. No timing is asserted.
test('the JSON floor runs end to end in smoke mode', async () => {
  const only = ['nonstream-c1', 'stream-c50']
  const child = Bun.spawn(
    [process.execPath, 'bench/floor.ts', '--smoke', `--only=${only.join(',')}`],
    { cwd: repoRoot, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
  )
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  expect({ exitCode, stderr: exitCode === 0 ? '' : stderr }).toEqual({ exitCode: 0, stderr: '' })
  const rows = stdout
    .split('\n')
    .filter(
      (line) => line.startsWith('| ') && !line.startsWith('| workload') && !line.includes('---'),
    )
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
  expect(rows.map((cells) => cells[0])).toEqual(only)
  for (const cells of rows) {
    // Every answer through the floor was whole (a stream ended with [DONE]): no errors.
    expect({ id: cells[0], errors: cells.at(-1) }).toEqual({ id: cells[0], errors: '0' })
    const [direct, bare, floor] = cells.slice(1, 4).map((cell) => Number.parseFloat(cell))
    expect([direct, bare, floor].every((value) => isNumber(value) && (value ?? 0) > 0)).toBe(true)
    if (hasProc) expect(cells[4]).toMatch(/^\d+\.\d{3} \/ \d+\.\d{3}$/)
  }
}, 120_000)

// `ccr stats` on a generated ledger, each form through the compiled binary: the full run is a
// million rows; here two thousand, to keep the script from rotting. No timing is asserted.
test('the ledger report benchmark runs every form of ccr stats in smoke mode', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'ccr-ledger-report-smoke-'))
  const out = join(directory, 'result.json')
  try {
    const child = Bun.spawn(
      [process.execPath, 'bench/ledger-report.ts', '--rows=2000', '--repeats=1', `--out=${out}`],
      { cwd: repoRoot, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
    )
    const [stderr, exitCode] = await Promise.all([
      new Response(child.stderr).text(),
      child.exited,
      new Response(child.stdout).text(),
    ])
    expect({ exitCode, stderr: exitCode === 0 ? '' : stderr }).toEqual({ exitCode: 0, stderr: '' })
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      rows: number
      results: { args: string[]; seconds: number; requests?: number }[]
    }
    expect(result.results.map((form) => form.args.join(' '))).toEqual([
      '',
      '--json',
      '--by session',
      '--since 30d',
      '--providers',
    ])
    expect(result.results.every((form) => isNumber(form.seconds) && form.seconds > 0)).toBe(true)
    // The report read every row the script wrote.
    expect(result.results[1]?.requests).toBe(2000)
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}, 120_000)
