import { readFileSync } from 'node:fs'
import { RouterError } from '../lib/errors.ts'
import { probe } from '../service/probe.ts'
import { clientConfig } from './config-for-cli.ts'
import type { Command } from './context.ts'
import { parseFlags } from './flags.ts'

/** Longer than the server's own grace period, so a draining server is waited for. */
const stopTimeoutMs = 40_000

/**
 * Asks the router on the configured port who it is, then sends it SIGTERM: it stops taking
 * requests, lets in-flight ones finish and exits. Stopping a router that is not running is
 * not an error.
 */
export const stop: Command = async (context) => {
  parseFlags(context.args, {})
  const { active, url } = clientConfig(context)
  const found = await probe(url, active.config.APIKEY)
  if (found.state !== 'ccr') {
    context.stdout.write(`ccr is not running at ${url}\n`)
    return 0
  }
  const pid = found.health.pid
  if (pid === undefined) {
    throw new RouterError('authentication_failed', {
      message: `the router at ${url} did not tell its pid`,
      hint: 'its APIKEY differs from the one in config.json; stop it where it was started',
    })
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + stopTimeoutMs
  while (Date.now() < deadline) {
    if ((await probe(url, active.config.APIKEY, 500)).state !== 'ccr' && !isAlive(pid)) {
      context.stdout.write(`ccr stopped (pid ${pid})\n`)
      return 0
    }
    await Bun.sleep(50)
  }
  throw new RouterError('internal', {
    message: `ccr (pid ${pid}) is still running after ${stopTimeoutMs / 1000} s`,
  })
}

/** Whether a process still runs. An exited process waiting to be reaped (a zombie) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM'
  }
  try {
    // Linux: the state is the field after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}
