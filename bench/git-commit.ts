import { repoRoot } from './bodies.ts'

/** The commit measured, `+dirty src` when `src/` has uncommitted changes; `unknown` without git. */
export function gitCommit(): string {
  const result = Bun.spawnSync(['git', 'rev-parse', '--short', 'HEAD'], {
    cwd: repoRoot,
    stderr: 'ignore',
  })
  const commit = result.stdout.toString().trim()
  if (commit === '') return 'unknown'
  const dirty = Bun.spawnSync(['git', 'status', '--porcelain', 'src'], {
    cwd: repoRoot,
    stderr: 'ignore',
  })
  return dirty.stdout.toString().trim() === '' ? commit : `${commit}+dirty src`
}
