import packageJson from '../package.json' with { type: 'json' }
import { resolvePaths } from './config/paths.ts'
import { describeError } from './lib/errors.ts'
import { commands } from './cli/commands.ts'
import type { CliContext } from './cli/context.ts'
import { sinkOutput } from './cli/output.ts'

const version = packageJson.version

function help(): string {
  const width = Math.max(...Object.values(commands).map((entry) => entry.usage.length))
  const rows = Object.values(commands).map(
    (entry) => `  ${entry.usage.padEnd(width)}  ${entry.summary}`,
  )
  return [
    `ccr ${version}: Claude Code's router to any model provider`,
    '',
    'Usage:',
    ...rows,
    `  ${'ccr --version'.padEnd(width)}  Print the version`,
    `  ${'ccr --help'.padEnd(width)}  Print this help`,
    '',
    'Files live in $CCR_HOME, else ~/.claude-code-router (config.json, logs/, plugins/).',
    '',
  ].join('\n')
}

/** The argv prefix that runs this same ccr: the compiled binary, or bun and this file. */
function selfCommand(): string[] {
  const compiled = Bun.main.startsWith('/$bunfs/') || Bun.main.includes('~BUN')
  return compiled ? [process.execPath] : [process.execPath, Bun.main]
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === 'help' || name === '-h' || name === '--help') {
    stdout.write(help())
    return 0
  }
  if (name === '-v' || name === '--version' || name === 'version') {
    stdout.write(`ccr ${version}\n`)
    return 0
  }
  const entry = commands[name]
  if (entry === undefined) {
    stderr.write(`ccr: unknown command "${name}"\n\n${help()}`)
    return 1
  }
  // `ccr code --help` is Claude Code's help: its arguments are never ccr's.
  if (name !== 'code' && (args.includes('--help') || args.includes('-h'))) {
    stdout.write(`Usage: ${entry.usage}\n\n${entry.summary}\n`)
    return 0
  }
  const context: CliContext = {
    args,
    env: process.env,
    paths: resolvePaths(process.env),
    version,
    stdout,
    stderr,
    self: selfCommand(),
  }
  try {
    const command = await entry.load()
    return await command(context)
  } catch (error) {
    stderr.write(`ccr ${name}: ${describeError(error)}\n`)
    return 1
  }
}

// The router and its probes talk to loopback; a user's HTTP proxy must never capture that.
for (const key of ['NO_PROXY', 'no_proxy'] as const) {
  const entries = (process.env[key] ?? '').split(',').filter((entry) => entry !== '')
  for (const host of ['127.0.0.1', 'localhost', '::1'])
    if (!entries.includes(host)) entries.push(host)
  process.env[key] = entries.join(',')
}

const stdout = sinkOutput(1)
const stderr = sinkOutput(2)
// Not a top-level `await`: the binary is CommonJS (see build.ts).
void main(process.argv.slice(2)).then(async (code) => {
  await Promise.all([stdout.flushed(), stderr.flushed()])
  process.exit(code)
})
