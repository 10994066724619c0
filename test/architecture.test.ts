import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from './helpers.ts'

const sourceRoot = join(repoRoot, 'src')

function sourceFiles(directory = sourceRoot): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Files outside `allowedIn` that import `module`. */
function importersOutside(module: RegExp, allowedIn: string): string[] {
  return sourceFiles()
    .map((file) => relative(repoRoot, file))
    .filter((file) => !file.startsWith(allowedIn))
    .filter((file) => {
      const text = readFileSync(join(repoRoot, file), 'utf8')
      return [...text.matchAll(/from ['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)].some((match) =>
        module.test(match[1] ?? match[2] ?? ''),
      )
    })
}

describe('boundaries', () => {
  test('the web framework stays in src/server', () => {
    expect(importersOutside(/^(elysia|@elysiajs\/)/, 'src/server/')).toEqual([])
  })
  test('SQLite stays in src/store', () => {
    expect(importersOutside(/^bun:sqlite$/, 'src/store/')).toEqual([])
  })
  test('terminal prompts stay in src/cli', () => {
    expect(importersOutside(/^@clack\//, 'src/cli/')).toEqual([])
  })
  test('no `any` in the source', () => {
    const offenders = sourceFiles().filter((file) =>
      /(:\s*any\s*[,;)=>|\]\n{]|\bas any\b|<any>|\bany\[\])/.test(readFileSync(file, 'utf8')),
    )
    expect(offenders.map((file) => relative(repoRoot, file))).toEqual([])
  })
})
