import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { RouterError } from '../lib/errors.ts'
import type { Env } from '../config/file.ts'
import { probe, type HealthReport } from './probe.ts'
import { describePortInUse } from './port-in-use.ts'

export interface EnsureOptions {
  /** The argv prefix that runs ccr itself. */
  self: string[]
  env: Env
  url: string
  port: number
  apiKey: string
  /** Where the background server's own output goes. */
  daemonLog: string
  timeoutMs?: number
}

/**
 * Makes sure a router answers at `url`: if one does, nothing happens; otherwise `ccr start`
 * is spawned in the background, detached, and awaited through `/health`. Two callers racing
 * here both end up with the one server that won the port.
 */
export async function ensureServer(
  options: EnsureOptions,
): Promise<{ started: boolean; health: HealthReport }> {
  const before = await probe(options.url, options.apiKey)
  if (before.state === 'ccr') return { started: false, health: before.health }
  if (before.state === 'other')
    throw await describePortInUse(options.port, options.url, before.detail)

  mkdirSync(dirname(options.daemonLog), { recursive: true, mode: 0o700 })
  const output = openSync(options.daemonLog, 'w', 0o600)
  const child = Bun.spawn([...options.self, 'start', '--background-child'], {
    env: routerProcessEnv(options.env),
    stdio: ['ignore', output, output],
    detached: true,
  })
  closeSync(output)
  child.unref()

  const deadline = Date.now() + (options.timeoutMs ?? 15_000)
  while (Date.now() < deadline) {
    const now = await probe(options.url, options.apiKey, 500)
    if (now.state === 'ccr') return { started: true, health: now.health }
    if (child.exitCode !== null || child.signalCode !== null) {
      // Another ccr may have won the port a moment before this one.
      const again = await probe(options.url, options.apiKey)
      if (again.state === 'ccr') return { started: false, health: again.health }
      throw new RouterError('internal', {
        message: `the router did not start:\n${tail(options.daemonLog)}`,
        hint: `run \`ccr start\` in the foreground to see it start, or read ${options.daemonLog}`,
      })
    }
    // The router starts in ~60 ms: polled every 50 ms, a start waited ~25 ms for its poll.
    await Bun.sleep(10)
  }
  throw new RouterError('internal', {
    message: `the router did not answer at ${options.url} within ${Math.round((options.timeoutMs ?? 15_000) / 1000)} s`,
    hint: `read ${options.daemonLog}`,
  })
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-20).join('\n')
  } catch {
    return '(no output)'
  }
}

/**
 * The environment of a router process, read by the runtime as it starts (so only a process
 * ccr spawns can get it; a foreground `ccr start` runs with whatever the shell gives it):
 * - Bun's fetch allows 256 requests in flight unless told otherwise; a router serving several
 *   sessions and their subagents may need more upstream streams at once.
 * - JavaScriptCore sizes its heap from the machine's memory and lets garbage pile up for a long
 *   time on a large machine. Sized as a 256 MB machine, a router under load peaks ~100 MB
 *   lower (measured: 500 concurrent streams 427 → 296 MB, 50 concurrent requests 260 → 165 MB)
 *   for ~10% more CPU per request.
 * A variable the user set wins.
 */
export function routerProcessEnv(env: Env): Env {
  return {
    BUN_CONFIG_MAX_HTTP_REQUESTS: '1024',
    BUN_JSC_forceRAMSize: String(256 * 1024 * 1024),
    ...env,
  }
}
