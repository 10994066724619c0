import { readFileSync, writeFileSync } from 'node:fs'

/**
 * A process's own accounting, from Linux's /proc. Every reader returns undefined where /proc
 * is missing (another OS), so a smoke run still completes there.
 */

/** Clock ticks per second of `utime`/`stime` in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100

/** CPU time the process has used so far, user plus system, all threads, in milliseconds. */
export function cpuMs(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const user = Number(fields[11])
  const system = Number(fields[12])
  return ((user + system) * 1000) / ticksPerSecond
}

/** Resident memory now and its peak (VmHWM) in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } | undefined {
  const status = read(`/proc/${pid}/status`)
  if (status === undefined) return undefined
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
    return match === null ? Number.NaN : Number(match[1]) / 1024
  }
  return { rss: field('VmRSS'), peak: field('VmHWM') }
}

/** Resets VmHWM to the current RSS (`echo 5 > clear_refs`); false where the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/**
 * Samples VmRSS every `intervalMs` until stopped, and reports the highest sample and VmHWM:
 * the peak even where `resetPeak` is refused and VmHWM covers the whole life of the process.
 */
export function watchMemory(pid: number, intervalMs = 50) {
  const peakWasReset = resetPeak(pid)
  let highest = memoryMb(pid)?.rss ?? Number.NaN
  const timer = setInterval(() => {
    const now = memoryMb(pid)?.rss
    if (now !== undefined && !(now <= highest)) highest = now
  }, intervalMs)
  return {
    stop(): { peakMb: number; sampledPeakMb: number } {
      clearInterval(timer)
      const now = memoryMb(pid)
      if (now !== undefined && !(now.rss <= highest)) highest = now.rss
      const peak = peakWasReset && now !== undefined ? Math.max(now.peak, highest) : highest
      return { peakMb: peak, sampledPeakMb: highest }
    },
  }
}

/** Busy, steal and total time of each core since boot, in milliseconds (from /proc/stat). */
export function coreTimes(): { busy: number; steal: number; total: number }[] | undefined {
  const stat = read('/proc/stat')
  if (stat === undefined) return undefined
  return stat
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      // user nice system idle iowait irq softirq steal guest guest_nice, in ticks
      const [user, nice, system, idle, iowait, irq, softirq, steal] = line
        .split(/\s+/)
        .slice(1, 9)
        .map((field) => (Number(field) * 1000) / ticksPerSecond)
      const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)
      const total = busy + (idle ?? 0) + (iowait ?? 0) + (steal ?? 0)
      return { busy, steal: steal ?? 0, total }
    })
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
