import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where ccr keeps its files. */
export interface Paths {
  /** `$CCR_HOME`, else `~/.claude-code-router` (the CCR v1 location). */
  home: string
  config: string
  logs: string
  plugins: string
  /** The SQLite store. */
  store: string
  /** Output of a server started in the background, for reporting start-up failures. */
  daemonLog: string
  /** The settings files `ccr code` hands Claude Code (`--settings`). */
  claudeSettings: string
}

export function resolvePaths(env: Record<string, string | undefined>): Paths {
  const home =
    env.CCR_HOME !== undefined && env.CCR_HOME !== ''
      ? env.CCR_HOME
      : join(homedir(), '.claude-code-router')
  return {
    home,
    config: join(home, 'config.json'),
    logs: join(home, 'logs'),
    plugins: join(home, 'plugins'),
    store: join(home, 'ccr.db'),
    daemonLog: join(home, 'logs', 'daemon.out'),
    claudeSettings: join(home, 'claude'),
  }
}
