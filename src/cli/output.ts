import { fstatSync } from 'node:fs'
import type { Output } from './context.ts'

/**
 * stdout for a command, as Node's stream, made when first used: making one costs ~10 ms
 * (Node's stream modules load with it), which the router's start does not need to pay.
 */
export function lazyStdout(): Output {
  return {
    write: (text) => process.stdout.write(text),
    get isTTY() {
      return process.stdout.isTTY
    },
  }
}

/** stderr for a command; `flushed()` resolves once everything written has left the process. */
export interface ErrorOutput extends Output {
  flushed(): Promise<void>
}

/**
 * stderr written through Bun's file sink, not Node's stream (the router's log lines in the
 * foreground go here, and making Node's stream took ~10 ms of its start). A broken stderr (the
 * reader gone) must not take the router down: failed writes are dropped. `isTTY` is true for a
 * character device: a terminal, or /dev/null, where the lines' colours do not matter.
 */
export function sinkStderr(): ErrorOutput {
  let sink: Bun.FileSink | undefined
  let pending: Promise<unknown> = Promise.resolve()
  let terminal: boolean | undefined
  return {
    write(text) {
      try {
        sink ??= Bun.stderr.writer()
        sink.write(text)
        const flushing = sink.flush()
        if (typeof flushing !== 'number') pending = flushing.catch(() => undefined)
      } catch {
        // EPIPE and the like: nobody reads stderr any more.
      }
    },
    get isTTY() {
      terminal ??= isCharacterDevice(2)
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
