import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

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
