import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers.ts'

/** The Claude Code release the end-to-end tests run; request shapes change between versions. */
export const claudeCodeVersion = '2.1.332'

/**
 * The path of the real Claude Code CLI: `$CLAUDE_BIN`, else a pinned install in
 * `~/.cache/ccr-tools` (`$CCR_TOOLS_DIR`), installed from npm on first use (~400 MB, once).
 */
export async function claudeBinary(): Promise<string> {
  const given = process.env.CLAUDE_BIN
  if (given !== undefined && given !== '') return given
  const directory = join(
    process.env.CCR_TOOLS_DIR ?? join(homedir(), '.cache', 'ccr-tools'),
    `claude-code-${claudeCodeVersion}`,
  )
  const found = findInstalled(directory)
  if (found !== undefined) return found
  mkdirSync(directory, { recursive: true })
  const manifest = join(directory, 'package.json')
  if (!existsSync(manifest)) writeFileSync(manifest, '{"name":"claude-code-tool","private":true}')
  const install = Bun.spawn(
    [
      'npm',
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `@anthropic-ai/claude-code@${claudeCodeVersion}`,
    ],
    { cwd: directory, stdout: 'inherit', stderr: 'inherit' },
  )
  if ((await install.exited) !== 0)
    throw new Error(`npm could not install @anthropic-ai/claude-code@${claudeCodeVersion}`)
  const installed = findInstalled(directory)
  if (installed === undefined) throw new Error(`no claude binary under ${directory}`)
  return installed
}

function findInstalled(directory: string): string | undefined {
  const wrapper = join(directory, 'node_modules', '.bin', 'claude')
  // The wrapper's postinstall links the native binary over a small stub.
  if (existsSync(wrapper) && statSync(wrapper).size >= 4096) return wrapper
  const native = join(
    directory,
    'node_modules',
    '@anthropic-ai',
    `claude-code-linux-${process.arch}`,
    'claude',
  )
  return existsSync(native) ? native : undefined
}

/** Print-mode Claude Code, through `ccr code`, in a scratch HOME and working directory. */
export async function claudeThroughCcr(
  claude: string,
  ccrHome: string,
  args: string[],
  options: { env?: Record<string, string>; workdir?: string } = {},
) {
  const workdir = options.workdir ?? newWorkdir()
  const result = await runCli(
    ['code', ...args],
    {
      CCR_HOME: ccrHome,
      CLAUDE_PATH: claude,
      HOME: mkdtempSync(join(tmpdir(), 'ccr-e2e-home-')),
      TERM: 'dumb',
      LANG: 'C.UTF-8',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '1',
      // --dangerously-skip-permissions refuses to run as root without it.
      IS_SANDBOX: '1',
      // Must never reach the router or the provider: ccr code removes it.
      ANTHROPIC_API_KEY: 'sk-ant-shell-key-must-not-travel',
      ...options.env,
    },
    { cwd: workdir },
  )
  return { ...result, workdir }
}

/** A scratch working directory for one Claude Code run. */
export function newWorkdir(): string {
  return mkdtempSync(join(tmpdir(), 'ccr-e2e-work-'))
}
