import { fstatSync } from 'node:fs'
import type { Output } from './context.ts'

/** An output whose `flushed()` resolves once everything written to it has left the process. */
export interface FlushedOutput extends Output {
  flushed(): Promise<void>
}

/**
 * stdout or stderr, written through Bun's file sink rather than Node's stream. Node's stream
 * took ~10 ms of a start to make (the router's log lines in the foreground go to stderr), and
 * what it still held for a pipe was lost at exit: `ccr stats --json | jq` read the first 64 KB
 * of a 1.5 MB report. The process waits for `flushed()` before it exits. A broken output (the
 * reader gone: a closed terminal, `| head`) must not take the process down: failed writes are
 * dropped. `isTTY` is true for a character device: a terminal, or /dev/null, where colours do
 * not matter.
 */
export function sinkOutput(fd: 1 | 2): FlushedOutput {
  let sink: Bun.FileSink | undefined
  let pending: Promise<unknown> = Promise.resolve()
  let terminal: boolean | undefined
  return {
    write(text) {
      try {
        sink ??= (fd === 1 ? Bun.stdout : Bun.stderr).writer()
        sink.write(text)
        const flushing = sink.flush()
        if (typeof flushing !== 'number') pending = flushing.catch(() => undefined)
      } catch {
        // EPIPE and the like: nobody reads this output any more.
      }
    },
    get isTTY() {
      terminal ??= isCharacterDevice(fd)
      return terminal
    },
    async flushed() {
      await pending
    },
  }
}

function isCharacterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice()
  } catch {
    return false
  }
}
