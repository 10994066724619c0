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
  const rests = createRests()
  const reference = (candidate: Candidate) => candidate.reference
  return {
    order: (candidates) => rests.restLast(candidates, reference),
    failed: (candidate, error) => rests.rest(candidate.reference, restFor(error)),
    answered: (candidate) => rests.end(candidate.reference),
  }
}

/** Things (candidates, keys) resting until a time, by id: the mechanism both kinds share. */
export interface Rests {
  /** `items` with the resting ones moved after the others, unless all or none rest. */
  restLast<T>(
    items: readonly T[],
    idOf: (item: T) => string,
  ): { order: readonly T[]; resting: readonly T[] }
  rest(id: string, ms: number): void
  end(id: string): void
}

const none: readonly never[] = []

export function createRests(): Rests {
  const until = new Map<string, number>()
  const isResting = (id: string) => {
    const end = until.get(id)
    if (end === undefined) return false
    if (end > Date.now()) return true
    until.delete(id)
    return false
  }
  return {
    restLast(items, idOf) {
      // Nearly always: nobody rests, and the request path allocates nothing for it.
      if (until.size === 0) return { order: items, resting: none }
      const awake = items.filter((item) => !isResting(idOf(item)))
      if (awake.length === 0 || awake.length === items.length)
        return { order: items, resting: none }
      const resting = items.filter((item) => !awake.includes(item))
      return { order: [...awake, ...resting], resting }
    },
    rest(id, ms) {
      until.set(id, Date.now() + ms)
    },
    end(id) {
      until.delete(id)
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
