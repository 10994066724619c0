import { chmod, copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export interface WriteResult {
  /** Where the previous file was saved, when there was one. */
  backup: string | undefined
}

/**
 * Writes a config file that may hold keys: mode 0600 in a 0700 folder, the previous version
 * kept as `config.json.<time>.bak` (the newest `keepBackups` are kept), and the new text put
 * in place by a rename, so a running router's reload never sees half a file.
 */
export async function writeConfigFile(
  file: string,
  text: string,
  keepBackups = 3,
): Promise<WriteResult> {
  const directory = dirname(file)
  await mkdir(directory, { recursive: true, mode: 0o700 })
  let backup: string | undefined
  const stamp = new Date().toISOString().replaceAll(':', '-')
  try {
    backup = `${file}.${stamp}.bak`
    await copyFile(file, backup)
    await chmod(backup, 0o600)
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error
    backup = undefined
  }
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, text, { mode: 0o600 })
  await chmod(temporary, 0o600)
  await rename(temporary, file)
  await pruneBackups(directory, basename(file), keepBackups)
  return { backup }
}

async function pruneBackups(directory: string, name: string, keep: number): Promise<void> {
  const backups = (await readdir(directory))
    .filter((entry) => entry.startsWith(`${name}.`) && entry.endsWith('.bak'))
    .sort()
  for (const old of backups.slice(0, Math.max(0, backups.length - keep)))
    await rm(join(directory, old), { force: true })
}
