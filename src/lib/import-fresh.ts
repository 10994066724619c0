import { readFile } from 'node:fs/promises'
import { dirname, sep } from 'node:path'

/** A short hash of a file's content: the version of a user's module. */
export async function contentVersion(path: string): Promise<string> {
  const bytes = await readFile(path)
  return new Bun.CryptoHasher('sha256').update(bytes).digest('hex').slice(0, 16)
}

/**
 * Imports a user's module (a plugin, the custom router) as it is on disk now. Its entry in the
 * module registry, and those of the files beside and below it (its own helpers, not packages),
 * are forgotten first, so an edited module and the helpers it imports are evaluated again, and
 * a relative import resolves where the user wrote it. Instances already made stay in memory for
 * whoever holds them: Bun cannot unload a module.
 */
export async function importFresh(path: string): Promise<unknown> {
  const folder = dirname(path) + sep
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(folder) && !key.includes(`${sep}node_modules${sep}`)) {
      delete require.cache[key]
    }
  }
  return import(path)
}
