/**
 * A reload that runs one at a time and after a quiet spell: file events come in bursts (an
 * editor's save is several), so each `schedule` restarts the wait, and a reload never overlaps
 * the one before. `ready` resolves once the reloads asked for so far are done.
 */
export function createSerialReload(
  reload: () => Promise<void>,
  options: { debounceMs: number; first: Promise<void> },
) {
  let running = options.first
  let scheduled: PromiseWithResolvers<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  return {
    schedule(delayMs = options.debounceMs) {
      if (closed) return
      scheduled ??= Promise.withResolvers<void>()
      clearTimeout(timer)
      timer = setTimeout(() => {
        const done = scheduled
        scheduled = undefined
        running = running.then(reload).then(() => done?.resolve())
      }, delayMs)
    },
    ready: (): Promise<void> => scheduled?.promise ?? running,
    close() {
      closed = true
      clearTimeout(timer)
      scheduled?.resolve()
      scheduled = undefined
    },
  }
}
