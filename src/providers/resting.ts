import type { RouterError } from '../lib/errors.ts'
import type { Candidate } from '../router/route.ts'

/** How long a candidate that failed rests, unless its provider said (`retry-after`). */
export const restMs = 30_000
/** The longest `retry-after` honoured: a provider asking for hours is tried again sooner. */
const maxRestMs = 10 * 60_000

/**
 * Candidates that just failed, and until when they rest. A provider that is down, hangs or
 * rate-limits fails the next request too: without rest, every request waited for it again
 * before falling back (a hung one for all of `API_TIMEOUT_MS`, ten minutes by default). A
 * resting candidate goes last in its list instead of first, so it is still tried when every
 * other one fails; its first answer ends its rest. Keyed by `"<provider>,<model>"`, across
 * slots; in memory, so a restarted router trusts everyone again.
 */
export interface RestingCandidates {
  /** The candidates in the order to try them: those at rest after the rest, unless all are. */
  order(candidates: readonly Candidate[]): {
    order: readonly Candidate[]
    resting: readonly Candidate[]
  }
  /** A candidate failed in a way worth falling back from (`shouldFallBack`). */
  failed(candidate: Candidate, error: RouterError): void
  /** A candidate answered. */
  answered(candidate: Candidate): void
}

export function createRestingCandidates(): RestingCandidates {
  const until = new Map<string, number>()
  const none: readonly Candidate[] = []
  const isResting = (candidate: Candidate) => {
    const end = until.get(candidate.reference)
    if (end === undefined) return false
    if (end > Date.now()) return true
    until.delete(candidate.reference)
    return false
  }
  return {
    order(candidates) {
      // Nearly always: nobody rests, and the request path allocates nothing for it.
      if (until.size === 0) return { order: candidates, resting: none }
      const awake = candidates.filter((candidate) => !isResting(candidate))
      if (awake.length === 0 || awake.length === candidates.length)
        return { order: candidates, resting: none }
      const resting = candidates.filter((candidate) => !awake.includes(candidate))
      return { order: [...awake, ...resting], resting }
    },
    failed(candidate, error) {
      until.set(candidate.reference, Date.now() + restFor(error))
    },
    answered(candidate) {
      until.delete(candidate.reference)
    },
  }
}

/** `retry-after` in seconds or as an HTTP date, within bounds; else the usual rest. */
export function restFor(error: RouterError): number {
  const header = error.retryAfter
  if (header === undefined) return restMs
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now()
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, maxRestMs) : restMs
}
