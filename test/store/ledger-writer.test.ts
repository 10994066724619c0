import { expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { chmodSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, silentLogger, type LogRecord } from '../../src/observability/log.ts'
import { createRedactor } from '../../src/observability/redact.ts'
import { openStore } from '../../src/store/db.ts'
import { createLedgerWriter } from '../../src/store/ledger.ts'
import { waitFor } from '../helpers.ts'
import { ledgerRow } from '../ledger-rows.ts'

const row = (requestId: string) => ledgerRow({ requestId })

test('a locked database costs one warning and no rows: they are written once it is free', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ccr-ledger-')), 'ccr.db')
  const store = openStore(path)
  store.exec('PRAGMA busy_timeout = 0')
  const records: LogRecord[] = []
  const log = createLogger({
    level: () => 'info',
    sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
    redactor: createRedactor(),
  })
  const writer = createLedgerWriter({ db: store, log, flushDelayMs: 60_000 })

  // Another process holds the write lock.
  const other = new Database(path)
  other.exec('BEGIN IMMEDIATE')
  writer.record(row('a'))
  writer.flush()
  writer.record(row('b'))
  writer.flush()
  expect(writer.pending).toBe(2)
  expect(
    records.filter((record) => record.msg.startsWith('the ledger could not be written')),
  ).toHaveLength(1)

  other.exec('ROLLBACK')
  other.close()
  writer.close()
  expect(writer.pending).toBe(0)
  expect(store.query('SELECT request_id FROM requests ORDER BY id').all()).toEqual([
    { request_id: 'a' },
    { request_id: 'b' },
  ])
  store.close()
})

test('a read-only store degrades to a warning, never an exception on the request path', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ccr-ledger-'))
  const path = join(directory, 'ccr.db')
  openStore(path).close()
  chmodSync(path, 0o400)
  const store = new Database(path, { readonly: true })
  const records: LogRecord[] = []
  const log = createLogger({
    level: () => 'info',
    sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
    redactor: createRedactor(),
  })
  const writer = createLedgerWriter({ db: store, log, flushDelayMs: 60_000, maxPending: 3 })
  for (const id of ['a', 'b', 'c', 'd', 'e']) writer.record(row(id))
  expect(() => writer.flush()).not.toThrow()
  expect(writer.pending).toBe(3)
  expect(records.map((record) => record.msg)).toEqual([
    'the ledger could not be written; rows are kept and retried',
    'the ledger dropped rows it could not write',
  ])
  store.close()
})

test('rows reach the disk on their own a moment after they come; a locked store is tried again', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ccr-ledger-')), 'ccr.db')
  const store = openStore(path)
  store.exec('PRAGMA busy_timeout = 0')
  const writer = createLedgerWriter({
    db: store,
    log: silentLogger,
    flushDelayMs: 20,
    retryMs: 20,
  })
  const written = () => store.query('SELECT request_id FROM requests ORDER BY id').all()
  writer.record(row('a'))
  writer.record(row('b'))
  // Queued, not written on the request path.
  expect(writer.pending).toBe(2)
  await waitFor(() => (writer.pending === 0 ? true : undefined), 'the delayed flush')
  expect(written()).toEqual([{ request_id: 'a' }, { request_id: 'b' }])

  const other = new Database(path)
  other.exec('BEGIN IMMEDIATE')
  writer.record(row('c'))
  await Bun.sleep(60)
  expect(writer.pending).toBe(1)
  other.exec('ROLLBACK')
  other.close()
  // Nothing else is recorded: the retry alone writes it.
  await waitFor(() => (writer.pending === 0 ? true : undefined), 'the retry')
  expect(written()).toEqual([{ request_id: 'a' }, { request_id: 'b' }, { request_id: 'c' }])
  writer.close()
  store.close()
})
