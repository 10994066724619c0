import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { ensureServer } from '../service/daemon.ts'
import { applyEnvironment, routedWindow, routerEnvironment } from './claude-env.ts'
import { withRouterSettings } from './claude-settings.ts'
import { clientConfig } from './config-for-cli.ts'
import type { Command } from './context.ts'

/**
 * `ccr code [args…]`: makes sure the router runs (starting it in the background if needed),
 * then runs Claude Code with every argument passed through verbatim and the router's
 * environment, in its process environment and as `--settings` (`withRouterSettings`). Claude
 * Code's exit code becomes ccr's. A router ccr code started keeps running for other
 * terminals; it never stops one.
 */
export const code: Command = async (context) => {
  const { active, url } = clientConfig(context)
  const config = active.config
  const claudePath = config.CLAUDE_PATH ?? context.env.CLAUDE_PATH ?? 'claude'
  const claude = findExecutable(claudePath, context.env.PATH)
  if (claude === undefined) {
    context.stderr.write(
      `ccr: Claude Code was not found (${claudePath}).\n` +
        'Install it with `npm install -g @anthropic-ai/claude-code`, or set CLAUDE_PATH in config.json to its path.\n',
    )
    return 127
  }

  await ensureServer({
    self: context.self,
    env: context.env,
    url,
    port: config.PORT,
    apiKey: config.APIKEY,
    daemonLog: context.paths.daemonLog,
  })

  const environment = routerEnvironment(
    config,
    url,
    context.env,
    process.cwd(),
    routedWindow(active),
  )
  const env = applyEnvironment(context.env, environment)
  const settings = withRouterSettings(context.args, environment, {
    directory: context.paths.claudeSettings,
    cwd: process.cwd(),
  })
  if (!settings.ok)
    context.stderr.write(
      `ccr: ${settings.problem}: Claude Code runs without the router's settings, so an ` +
        'ANTHROPIC_BASE_URL in its settings files would send requests past the router.\n',
    )
  const child = Bun.spawn([claude, ...settings.args], {
    env,
    stdio: [config.NON_INTERACTIVE_MODE ? 'ignore' : 'inherit', 'inherit', 'inherit'],
  })
  // Ctrl-C belongs to Claude Code (it shares the terminal); a SIGTERM to ccr is passed on.
  const ignore = () => {}
  const forward = () => child.kill('SIGTERM')
  process.on('SIGINT', ignore)
  process.on('SIGTERM', forward)
  const exitCode = await child.exited
  process.off('SIGINT', ignore)
  process.off('SIGTERM', forward)
  // The shell's convention for a child killed by a signal.
  const signal = child.signalCode
  if (typeof signal === 'number') return 128 + signal
  if (signal !== null) return 128 + constants.signals[signal]
  return exitCode
}

function findExecutable(command: string, path: string | undefined): string | undefined {
  if (command.includes('/')) return existsSync(command) ? command : undefined
  return Bun.which(command, { PATH: path ?? '' }) ?? undefined
}
