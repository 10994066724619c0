/**
 * Summarises a V8/JSC `.cpuprofile` (as `bun --cpu-prof` writes it): self and inclusive time per
 * function and self time per file, as shares of the busy time (idle samples left out).
 *
 *   bun bench/profile-summary.ts <file.cpuprofile> [--top 20]
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from './bodies.ts'

/** The parts of the Chrome DevTools CPU profile format this reads. */
export interface CpuProfile {
  nodes: {
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
    children?: number[]
  }[]
  samples: number[]
  timeDeltas: number[]
}

/** One function (or file) and its time. */
export interface ProfileEntry {
  name: string
  selfMs: number
  selfShare: number
  totalMs: number
  totalShare: number
}

/** The summary: busy time, and the top functions by self time, inclusive time, and files. */
export interface ProfileSummary {
  busyMs: number
  idleMs: number
  /** Each entry of `bySelf` with its self time split by immediate caller (runtime code such as
   * `JSON.stringify` has no location of its own: the caller says whose it is). */
  bySelf: (ProfileEntry & { callers: { name: string; share: number }[] })[]
  byTotal: ProfileEntry[]
  byFile: ProfileEntry[]
}

const idleNames = new Set(['(idle)'])

/** Self and inclusive time per function; inclusive counts a recursive function once per sample. */
export function summarizeProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id)
  const keyOf = (id: number) => {
    const frame = nodes.get(id)?.callFrame
    if (frame === undefined) return '(unknown)'
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
    if (frame.url === '') return name
    return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
  }
  const fileOf = (id: number) => {
    const frame = nodes.get(id)?.callFrame
    return frame === undefined || frame.url === '' ? keyOf(id) : shortUrl(frame.url)
  }
  const pathKeys = new Map<number, string[]>()
  const keysOnPath = (id: number): string[] => {
    const known = pathKeys.get(id)
    if (known !== undefined) return known
    const parent = parents.get(id)
    const above = parent === undefined ? [] : keysOnPath(parent)
    const key = keyOf(id)
    const keys = above.includes(key) ? above : [...above, key]
    pathKeys.set(id, keys)
    return keys
  }

  const self = new Map<string, number>()
  const callers = new Map<string, Map<string, number>>()
  const total = new Map<string, number>()
  const files = new Map<string, number>()
  let busy = 0
  let idle = 0
  const mean = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0) / profile.samples.length
  profile.samples.forEach((id, index) => {
    // A sample stands for the time until the next one.
    const ms = (profile.timeDeltas[index + 1] ?? mean) / 1000
    const key = keyOf(id)
    if (idleNames.has(key)) {
      idle += ms
      return
    }
    busy += ms
    self.set(key, (self.get(key) ?? 0) + ms)
    const parent = parents.get(id)
    const caller = parent === undefined ? '(none)' : keyOf(parent)
    const byCaller = callers.get(key) ?? new Map<string, number>()
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + ms)
    callers.set(key, byCaller)
    const file = fileOf(id)
    files.set(file, (files.get(file) ?? 0) + ms)
    for (const onPath of keysOnPath(id)) total.set(onPath, (total.get(onPath) ?? 0) + ms)
  })
  const entry = (name: string): ProfileEntry => {
    const selfMs = self.get(name) ?? 0
    const totalMs = total.get(name) ?? selfMs
    return { name, selfMs, selfShare: selfMs / busy, totalMs, totalShare: totalMs / busy }
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
  return {
    busyMs: busy,
    idleMs: idle,
    bySelf: ranked(self).map(([name, ms]) => ({
      ...entry(name),
      callers: ranked(callers.get(name) ?? new Map())
        .slice(0, 3)
        .map(([caller, callerMs]) => ({ name: caller, share: callerMs / ms })),
    })),
    byTotal: ranked(total).map(([name]) => entry(name)),
    byFile: ranked(files).map(([name, ms]) => ({
      name,
      selfMs: ms,
      selfShare: ms / busy,
      totalMs: ms,
      totalShare: ms / busy,
    })),
  }
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '')
  const inRepo = relative(repoRoot, path)
  const local = inRepo.startsWith('..') ? path : inRepo
  return local.replace(/^.*node_modules\//, 'node_modules/')
}

/** The summary as Markdown tables. */
export function renderSummary(summary: ProfileSummary, title: string, top = 10): string {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`
  const callers = (entry: ProfileEntry & { callers?: { name: string; share: number }[] }) =>
    (entry.callers ?? []).map((caller) => `\`${caller.name}\` ${percent(caller.share)}`).join(', ')
  const table = (heading: string, entries: ProfileEntry[]) => [
    `**${heading}**`,
    '',
    '| # | function | self | inclusive | called from (share of self) |',
    '| --- | --- | --- | --- | --- |',
    ...entries
      .slice(0, top)
      .map(
        (entry, index) =>
          `| ${index + 1} | \`${entry.name}\` | ${percent(entry.selfShare)} | ${percent(entry.totalShare)} | ${callers(entry)} |`,
      ),
    '',
  ]
  return [
    `### ${title}`,
    '',
    `Busy ${(summary.busyMs / 1000).toFixed(2)} s, idle ${(summary.idleMs / 1000).toFixed(2)} s; shares are of busy time.`,
    '',
    ...table('By self time', summary.bySelf),
    ...table('By inclusive time', summary.byTotal),
    '**By file (self time)**',
    '',
    '| # | file | self |',
    '| --- | --- | --- |',
    ...summary.byFile
      .slice(0, top)
      .map((entry, index) => `| ${index + 1} | \`${entry.name}\` | ${percent(entry.selfShare)} |`),
    '',
  ].join('\n')
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Bun.argv.slice(2),
    options: { top: { type: 'string', default: '20' } },
    allowPositionals: true,
  })
  const file = positionals[0]
  if (file === undefined) {
    process.stderr.write('usage: bun bench/profile-summary.ts <file.cpuprofile> [--top 20]\n')
    process.exit(2)
  }
  const top = Number(values.top)
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  process.stdout.write(renderSummary(summarizeProfile(profile, top), file, top))
}
