import { mkdirSync, statSync } from 'node:fs'
import { appendFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { toJsonLine, type LogSink } from './log.ts'

export interface FileSinkOptions {
  directory: string
  /** File name of the current log; rotated copies get `.1`, `.2`, … */
  name?: string
  /** Rotate when the current file would grow past this. */
  maxBytes?: number
  /** Files kept in all, the current one included. */
  maxFiles?: number
  /** Lines held while the disk is slow; beyond this they are counted and dropped. */
  maxPending?: number
  /** How long lines gather before they are written together. */
  batchMs?: number
  /** Where to say that the log cannot be written (a full or read-only disk): the command's stderr. */
  report: (text: string) => void
}

/**
 * JSON lines, one record each, appended off the request path: `write()` only queues, and a
 * single writer drains the queue with async appends. Rotation is by size with a bounded
 * number of files. Files are created with mode 0600, since prompts appear at trace level.
 */
export function createFileSink(options: FileSinkOptions): LogSink {
  const name = options.name ?? 'ccr.log'
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024
  const maxFiles = Math.max(1, options.maxFiles ?? 5)
  const maxPending = options.maxPending ?? 10_000
  const batchMs = options.batchMs ?? 20
  const file = join(options.directory, name)

  mkdirSync(options.directory, { recursive: true, mode: 0o700 })
  let size = fileSize(file)
  let pending: string[] = []
  let dropped = 0
  let draining: Promise<void> | undefined
  let failing = false

  const rotate = async () => {
    await rm(`${file}.${maxFiles - 1}`, { force: true })
    for (let index = maxFiles - 2; index >= 1; index--) {
      await rename(`${file}.${index}`, `${file}.${index + 1}`).catch(() => {})
    }
    if (maxFiles > 1) await rename(file, `${file}.1`).catch(() => {})
    else await rm(file, { force: true })
    size = 0
  }

  const drain = async () => {
    while (pending.length > 0) {
      const lines = pending
      pending = []
      if (dropped > 0) {
        lines.push(
          toJsonLine({
            time: Date.now(),
            level: 'warn',
            msg: `${dropped} log lines dropped while the disk was slow`,
            fields: {},
          }),
        )
        dropped = 0
      }
      const chunk = lines.join('')
      const bytes = Buffer.byteLength(chunk)
      try {
        if (size > 0 && size + bytes > maxBytes) await rotate()
        await appendFile(file, chunk, { mode: 0o600 })
        size += bytes
        failing = false
      } catch (error) {
        // A full or read-only disk must not take the router down; say so once, not per batch.
        if (!failing) {
          const reason = error instanceof Error ? error.message : String(error)
          options.report(
            `ccr: cannot write ${file}: ${reason}; log lines are dropped until it can\n`,
          )
        }
        failing = true
      }
    }
    draining = undefined
  }

  return {
    write(record) {
      if (pending.length >= maxPending) {
        dropped++
        return
      }
      pending.push(toJsonLine(record))
      // Lines gather for a moment: under load, one append carries many requests' lines.
      draining ??= Bun.sleep(batchMs).then(drain)
    },
    async flush() {
      while (draining !== undefined) await draining
    },
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}
