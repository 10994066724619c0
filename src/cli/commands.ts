import type { Command } from './context.ts'

export interface CommandEntry {
  summary: string
  usage: string
  load: () => Promise<Command>
}

/** Every command, loaded only when used so that `ccr --version` stays instant. */
export const commands: Record<string, CommandEntry> = {
  init: {
    summary: 'Set up a provider and the default route (a wizard; --provider … to run unattended)',
    usage: 'ccr init [--provider <id> --api-key <key|$VAR> --models a,b --default]',
    load: async () => (await import('./init/index.ts')).init,
  },
  start: {
    summary: 'Run the router (foreground; -d to run it in the background)',
    usage: 'ccr start [-d|--daemon]',
    load: async () => (await import('./start.ts')).start,
  },
  stop: {
    summary: 'Stop the router, letting in-flight requests finish',
    usage: 'ccr stop',
    load: async () => (await import('./stop.ts')).stop,
  },
  restart: {
    summary: 'Stop the router if it runs, then start it in the background',
    usage: 'ccr restart',
    load: async () => (await import('./restart.ts')).restart,
  },
  status: {
    summary: 'Say whether the router runs, where, and with which providers',
    usage: 'ccr status [--json]',
    load: async () => (await import('./status.ts')).status,
  },
  stats: {
    summary:
      'Cost and usage report from the ledger (--since 7d, --by model, --providers, --json, --csv)',
    usage:
      'ccr stats [--since 7d] [--by day|model|provider|slot|project|session] [--project <dir>] [--providers] [--json|--csv]',
    load: async () => (await import('./stats.ts')).stats,
  },
  code: {
    summary: 'Run Claude Code through the router (starting it if needed); arguments pass through',
    usage: 'ccr code [claude arguments…]',
    load: async () => (await import('./code.ts')).code,
  },
  route: {
    summary: 'Show where a request would go and why, without calling any provider',
    usage: 'ccr route <request.json> [--project <dir>] [--json]',
    load: async () => (await import('./route.ts')).routeCommand,
  },
  activate: {
    summary: 'Print shell exports that point claude and Agent SDK apps at the router',
    usage: 'eval "$(ccr activate)"',
    load: async () => (await import('./activate.ts')).activate,
  },
}
