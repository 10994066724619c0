import { routedWindow, routerEnvironment } from './claude-env.ts'
import { settingsThatReroute } from './claude-settings.ts'
import { clientConfig } from './config-for-cli.ts'
import type { Command } from './context.ts'
import { parseFlags } from './flags.ts'

/**
 * Prints `export` lines for `eval "$(ccr activate)"`, so a plain `claude` or an Agent SDK app
 * in that shell talks to the router. It does not start the router. A Claude Code settings file
 * that would send requests elsewhere is named on stderr.
 */
export const activate: Command = async (context) => {
  parseFlags(context.args, {})
  const { active, url } = clientConfig(context)
  const environment = routerEnvironment(
    active.config,
    url,
    context.env,
    undefined,
    routedWindow(active),
  )
  const lines = [
    ...Object.entries({ ...environment.defaults, ...environment.set }).map(
      ([key, value]) => `export ${key}=${shellQuote(value)}`,
    ),
    ...environment.unset.map((key) => `unset ${key}`),
  ]
  context.stdout.write(`${lines.join('\n')}\n`)
  for (const { file, variables } of settingsThatReroute(context.env, process.cwd())) {
    context.stderr.write(
      `ccr: ${file} sets ${variables.join(', ')} in its env, which Claude Code applies over ` +
        "this shell's: a plain claude here would not use the router. ccr code overrides it; " +
        'or remove it from that file.\n',
    )
  }
  return 0
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`
}
