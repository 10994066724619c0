import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withReference } from '../../src/config/reference.ts'
import { repoRoot } from '../helpers.ts'

test('the README config reference matches the schema (run `bun run docs` after changing it)', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  expect(withReference(readme)).toBe(readme)
  expect(readme).toContain('| `api_base_url` | URL |')
})
