import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Env } from '../config/file.ts'
import { isRecord } from '../lib/is-record.ts'
import type { RouterEnvironment } from './claude-env.ts'

/**
 * Claude Code's commands that take no model requests (`claude mcp list`, `claude update`…):
 * they get their arguments untouched, since a root option before them is not theirs.
 */
const subcommands = new Set([
  'config',
  'doctor',
  'install',
  'mcp',
  'migrate-installer',
  'plugin',
  'setup-token',
  'update',
])

export type SettingsArguments =
  { ok: true; args: string[] } | { ok: false; args: string[]; problem: string }

/**
 * The router's environment as Claude Code settings (`--settings <file>`). Claude Code applies
 * the `env` of its settings files over its own environment, so an `ANTHROPIC_BASE_URL` left in
 * `~/.claude/settings.json` (by an older CCR, cc-switch or a person) would otherwise send every
 * request past the router; flag settings rank above the user's and the project's files.
 * Variables ccr removes are set empty there, which Claude Code reads as unset.
 *
 * A `--settings` the person gave is merged (theirs, then the router's `env` over it) and
 * replaced in place; otherwise ours goes first. The file holds the router's token: it is
 * written 0600 into ccr's home, named by its content (the same settings reuse one file), and
 * never put on the command line, where any local user's `ps` would read it.
 */
export function withRouterSettings(
  args: string[],
  environment: RouterEnvironment,
  options: { directory: string; cwd: string },
): SettingsArguments {
  if (args[0] !== undefined && subcommands.has(args[0])) return { ok: true, args }
  const env: Record<string, string> = { ...environment.set }
  for (const key of environment.unset) env[key] = ''

  // After `--` everything is a positional argument, `--settings` too.
  const end = args.indexOf('--')
  const flags = end === -1 ? args : args.slice(0, end)
  const at = flags.findIndex((arg) => arg === '--settings' || arg.startsWith('--settings='))
  const given =
    at === -1
      ? undefined
      : args[at] === '--settings'
        ? { value: args[at + 1], length: 2 }
        : { value: args[at]?.slice('--settings='.length), length: 1 }

  let theirs: Record<string, unknown> = {}
  if (given !== undefined) {
    const read = readSettings(given.value, options.cwd)
    if (typeof read === 'string') return { ok: false, args, problem: read }
    theirs = read
  }
  const theirEnv = isRecord(theirs.env) ? theirs.env : {}
  const text = `${JSON.stringify({ ...theirs, env: { ...theirEnv, ...env } }, null, 2)}\n`
  const file = join(
    options.directory,
    `claude-settings-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`,
  )
  try {
    mkdirSync(options.directory, { recursive: true, mode: 0o700 })
    writeFileSync(file, text, { mode: 0o600 })
    forgetOldSettings(options.directory, file)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return {
      ok: false,
      args,
      problem: `the router's settings could not be written to ${options.directory} (${typeof code === 'string' ? code : 'error'})`,
    }
  }

  if (given === undefined) return { ok: true, args: ['--settings', file, ...args] }
  return {
    ok: true,
    args: [...args.slice(0, at), '--settings', file, ...args.slice(at + given.length)],
  }
}

/** Settings files are rewritten at each use: one untouched for 30 days belongs to nobody. */
const keepSettingsMs = 30 * 24 * 3600_000

function forgetOldSettings(directory: string, current: string): void {
  const before = Date.now() - keepSettingsMs
  for (const name of readdirSync(directory)) {
    const path = join(directory, name)
    if (path === current || !/^claude-settings-[0-9a-f]{16}\.json$/.test(name)) continue
    try {
      if (statSync(path).mtimeMs < before) rmSync(path)
    } catch {
      // Gone already, or another ccr code removed it.
    }
  }
}

/** A `--settings` value: inline JSON, or a file's path; the settings object, or what is wrong. */
function readSettings(value: string | undefined, cwd: string): Record<string, unknown> | string {
  if (value === undefined || value === '') return '--settings is given without a value'
  const inline = value.trimStart().startsWith('{')
  let text = value
  if (!inline) {
    try {
      text = readFileSync(resolve(cwd, value), 'utf8')
    } catch (error) {
      const code = (error as { code?: unknown }).code
      return `--settings ${value} cannot be read (${typeof code === 'string' ? code : 'error'})`
    }
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (isRecord(parsed)) return parsed
  } catch {
    // Reported below.
  }
  return `--settings ${inline ? '(inline JSON)' : value} is not a JSON object`
}

/** Variables that decide where Claude Code sends its requests, and with which credential. */
const routingVariables = [
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_API_KEY',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
]

/**
 * Claude Code's settings files whose `env` sets where its requests go, with those variables:
 * the user's and the project's two in `cwd`. Claude Code applies them over its environment, so
 * a plain `claude` in a shell set up by `ccr activate` follows them, not the router.
 */
export function settingsThatReroute(
  env: Env,
  cwd: string,
): { file: string; variables: string[] }[] {
  const files = [
    join(env.CLAUDE_CONFIG_DIR ?? join(homedir(), '.claude'), 'settings.json'),
    join(cwd, '.claude', 'settings.json'),
    join(cwd, '.claude', 'settings.local.json'),
  ]
  const found: { file: string; variables: string[] }[] = []
  for (const file of files) {
    let settings: unknown
    try {
      settings = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      continue // Absent or unreadable: Claude Code ignores it too.
    }
    const fileEnv = isRecord(settings) && isRecord(settings.env) ? settings.env : {}
    const variables = routingVariables.filter((key) => fileEnv[key] !== undefined)
    if (variables.length > 0) found.push({ file, variables })
  }
  return found
}
