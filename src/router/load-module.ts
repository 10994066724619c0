import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { RouterError } from '../lib/errors.ts'
import type { CustomRouter } from './types.ts'

const copyPrefix = 'custom-router.'

/** The user's module as read from disk, named by the hash of its content. */
export interface ModuleSource {
  bytes: Uint8Array
  version: string
}

export async function readModuleSource(path: string): Promise<ModuleSource> {
  const bytes = await readFile(path)
  const version = new Bun.CryptoHasher('sha256').update(bytes).digest('hex').slice(0, 16)
  return { bytes, version }
}

export interface ImportCopyOptions {
  path: string
  cacheDirectory: string
  source: ModuleSource
}

/**
 * Imports a copy of the module named `custom-router.<hash><ext>`. Bun caches modules by path
 * and query-string cache busting is unreliable (oven-sh/bun#12371), so a new name per content is
 * the dependable way to get the edited version. The extension is kept so Bun picks the loader
 * (`.ts`, `.cjs`, …) and detects CommonJS `module.exports` in a `.js` file.
 *
 * The copy lives in the cache folder, so a relative import inside the user's module (`./util.js`)
 * would resolve there and fail: single-file modules only, which is what CCR's were.
 */
export async function importHashedCopy(options: ImportCopyOptions): Promise<CustomRouter> {
  const copy = copyPath(options)
  await mkdir(options.cacheDirectory, { recursive: true })
  // Written under a temporary name and renamed, so an import never sees half a file.
  const partial = `${copy}.${process.pid}.partial`
  await writeFile(partial, options.source.bytes)
  await rename(partial, copy)
  try {
    return pickFunction(await import(copy), options.path)
  } catch (error) {
    await rm(copy, { force: true })
    throw error
  }
}

/** Removes every copy but the one in use; older module instances stay in memory regardless. */
export async function removeOtherCopies(options: ImportCopyOptions): Promise<void> {
  const keep = copyPath(options).slice(options.cacheDirectory.length + 1)
  const names = await readdir(options.cacheDirectory).catch(() => [])
  await Promise.all(
    names
      .filter((name) => name.startsWith(copyPrefix) && name !== keep)
      .map((name) => rm(join(options.cacheDirectory, name), { force: true })),
  )
}

function copyPath(options: ImportCopyOptions): string {
  const extension = extname(options.path) || '.js'
  return join(options.cacheDirectory, `${copyPrefix}${options.source.version}${extension}`)
}

/**
 * The router is `export default`, CommonJS `module.exports = fn` (which Bun presents as
 * `default`), or a named `router` export, directly or on a CommonJS exports object.
 */
function pickFunction(namespace: unknown, path: string): CustomRouter {
  const defaultExport = property(namespace, 'default')
  const candidates = [
    defaultExport,
    property(namespace, 'router'),
    property(defaultExport, 'router'),
  ]
  const found = candidates.find((candidate) => typeof candidate === 'function')
  if (found === undefined) {
    throw new RouterError('config_invalid', {
      message: `${path} exports no function`,
      hint:
        'export the router as `export default function`, `module.exports = function` ' +
        'or `export function router`',
    })
  }
  // Checked to be a function; its arguments and answer are checked on each call.
  return found as CustomRouter
}

function property(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined
  return (value as Record<string, unknown>)[key]
}
