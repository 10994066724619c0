import { probe } from '../service/probe.ts'
import { describePortInUse } from '../service/port-in-use.ts'
import { clientConfig } from './config-for-cli.ts'
import type { Command } from './context.ts'
import { parseFlags } from './flags.ts'

/** Exit 0 when ccr answers, 1 when nothing does, 2 when something else holds the port. */
export const status: Command = async (context) => {
  const flags = parseFlags(context.args, { json: ['--json'] })
  const { active, url } = clientConfig(context)
  const found = await probe(url, active.config.APIKEY)
  if (flags.json) {
    context.stdout.write(`${JSON.stringify({ url, ...found }, null, 2)}\n`)
    return found.state === 'ccr' ? 0 : found.state === 'down' ? 1 : 2
  }
  if (found.state === 'down') {
    context.stdout.write(
      `ccr is not running (nothing answers at ${url})\nstart it with \`ccr start -d\`, or just run \`ccr code\`\n`,
    )
    return 1
  }
  if (found.state === 'other') {
    const error = await describePortInUse(active.config.PORT, url, found.detail)
    context.stdout.write(`ccr is not running: ${error.message}\n`)
    return 2
  }
  const health = found.health
  const lines = [
    `ccr ${health.version} is running at ${url}`,
    `  pid       ${health.pid ?? '?'}`,
    `  uptime    ${formatUptime(health.uptime_s)}`,
    `  config    ${health.config === undefined ? '?' : (health.config ?? 'embedded default (no config.json)')}`,
    `  providers ${(health.providers ?? []).map((provider) => `${provider.name} (${provider.protocol})`).join(', ') || 'none'}`,
  ]
  // The user's plugins, not the built-ins every router carries; one that failed says why.
  const plugins = (health.plugins ?? []).filter((plugin) => !plugin.path.startsWith('builtin:'))
  if (plugins.length > 0) lines.push(`  plugins   ${plugins.map(describePlugin).join(', ')}`)
  // What providers told ccr about their models (learned from their refusals, kept a week).
  for (const [index, learned] of (health.learned ?? []).entries())
    lines.push(`  ${index === 0 ? 'learned' : '       '}   ${learned.route}: ${learned.fact}`)
  context.stdout.write(`${lines.join('\n')}\n`)
  return 0
}

function formatUptime(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`
}

function describePlugin(plugin: { name: string; error?: string }): string {
  return plugin.error === undefined ? plugin.name : `${plugin.name} (not loaded: ${plugin.error})`
}
