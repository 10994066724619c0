import { join } from 'node:path'
import { freePort, startRouter, writeHome } from './processes.ts'
import { median } from './stats.ts'

/** Milliseconds from spawning the binary to its first answered `/health`, per run. */
export interface ColdStartResult {
  runs: number[]
  medianMs: number
}

/**
 * Starts the binary `runs` times, each on a fresh port with the benchmark's config, and times
 * spawn → first 200 from `/health` (polled every millisecond), then stops it. The first start
 * also creates the SQLite store; the later ones find it, as a user's router does.
 */
export async function measureColdStart(options: {
  binary: string
  directory: string
  config: (port: number) => unknown
  runs: number
  core: number | undefined
}): Promise<ColdStartResult> {
  const home = join(options.directory, 'cold-start-home')
  const runs: number[] = []
  for (let run = 0; run < options.runs; run++) {
    const port = freePort()
    writeHome(home, options.config(port))
    const router = await startRouter({ command: [options.binary], home, port, core: options.core })
    runs.push(router.healthyAfterMs)
    await router.stop()
  }
  return { runs, medianMs: median(runs) }
}
