import type { ErrorSummary } from './body-observation.ts'

/** How a body's delivery ended, apart from what it said. */
export type StreamEnding =
  { kind: 'ended' } | { kind: 'client_closed' } | { kind: 'broken'; error: ErrorSummary }

type Listener = (ending: StreamEnding, firstByteAt: number | undefined) => void

/**
 * The end of a stream ccr makes itself (a translated answer), told by its maker: when it
 * ended and how, and when its first bytes went out. The usage tap listens instead of wrapping
 * the stream in another one to find out, which saves a JavaScript stream stage per chunk. Only
 * the first report counts; a listener that comes late hears it at once.
 */
export interface EndingRelay {
  report: Listener
  listen(listener: Listener): void
}

export function createEndingRelay(): EndingRelay {
  let listener: Listener | undefined
  let reported: { ending: StreamEnding; firstByteAt: number | undefined } | undefined
  return {
    report(ending, firstByteAt) {
      if (reported !== undefined) return
      reported = { ending, firstByteAt }
      listener?.(ending, firstByteAt)
    },
    listen(next) {
      listener = next
      if (reported !== undefined) next(reported.ending, reported.firstByteAt)
    },
  }
}
