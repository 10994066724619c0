import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { RouterError } from '../lib/errors.ts'
import { migrations } from './migrations.ts'

/**
 * Opens (creating if needed) ccr's SQLite store: WAL mode, so `ccr stats` reads while the
 * router writes; a busy timeout, so the two wait for each other briefly instead of failing;
 * migrations run on open. A store written by a newer ccr is refused rather than misread.
 */
export function openStore(path: string): Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const db = new Database(path, { create: true, strict: true })
  try {
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA busy_timeout = 2000')
    db.exec('PRAGMA synchronous = NORMAL')
    migrate(db, path)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

function migrate(db: Database, path: string): void {
  const version = (db.query('PRAGMA user_version').get() as { user_version: number }).user_version
  if (version > migrations.length) {
    throw new RouterError('config_invalid', {
      message: `${path} was written by a newer ccr (schema ${version}; this one knows ${migrations.length})`,
      hint: 'upgrade ccr, or move the file away to start a new ledger',
    })
  }
  for (let index = version; index < migrations.length; index++) {
    db.transaction(() => {
      db.exec(migrations[index] ?? '')
      db.exec(`PRAGMA user_version = ${index + 1}`)
    })()
  }
}
