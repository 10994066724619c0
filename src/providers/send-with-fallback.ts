import { RouterError, clientClosed, messageOf } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import type { Candidate } from '../router/route.ts'
import { adapters } from './registry.ts'
import type { RestingCandidates } from './resting.ts'
import type { ProviderAnswer, ProviderCall } from './types.ts'

export type CallBase = Omit<ProviderCall, 'provider' | 'model'>

/**
 * Tries the candidates in order, each with the request converted for its protocol. A failure
 * before the provider answered (unreachable, timeout, 408, 429, 5xx) moves to the next one;
 * any other failure, or the last one's, is final. When every candidate failed, the error
 * lists each attempt and why. Once a provider answers, its response is the response: after
 * the first byte, failures travel inside the stream. A candidate that failed so lately rests:
 * it is tried after the others (`resting`).
 */
export async function sendWithFallback(
  candidates: readonly Candidate[],
  base: CallBase,
  options: {
    log: Logger
    /** Filled in as candidates are tried (`"<provider>,<model> <outcome>"`), failed runs included. */
    attempts: string[]
    /** Candidates that failed lately, tried after the others (`createRestingCandidates`). */
    resting?: RestingCandidates
  },
): Promise<ProviderAnswer & { served: Candidate }> {
  const { log, attempts, resting } = options
  const failures: string[] = []
  const ordered = resting?.order(candidates) ?? { order: candidates, resting: [] }
  // Said first, so the attempts read as what happened: these waited, the others went ahead.
  for (const candidate of ordered.resting) attempts.push(`${candidate.reference} resting`)
  for (const [index, candidate] of ordered.order.entries()) {
    try {
      const answer = await adapters[candidate.provider.protocol]({
        ...base,
        provider: candidate.provider,
        model: candidate.model,
      })
      resting?.answered(candidate)
      attempts.push(`${candidate.reference} ${answer.response.status}`)
      return { ...answer, served: candidate }
    } catch (error) {
      if (base.signal.aborted) {
        attempts.push(`${candidate.reference} client_closed`)
        throw clientClosed(error)
      }
      attempts.push(`${candidate.reference} ${outcomeOf(error)}`)
      failures.push(`${candidate.reference}: ${messageOf(error)}`)
      const next = ordered.order[index + 1]
      // Only where there is somewhere else to go: a lone candidate is always tried.
      if (candidates.length > 1 && shouldFallBack(error)) resting?.failed(candidate, error)
      if (next === undefined || !shouldFallBack(error)) {
        if (failures.length === 1) throw error
        throw allFailed(error, failures)
      }
      log.warn('falling back', {
        failed: candidate.reference,
        next: next.reference,
        error: messageOf(error),
      })
    }
  }
  throw new RouterError('route_not_found', { status: 400, message: 'no route to try' })
}

/** Worth another provider: the provider could not be reached, timed out, or was busy or broken. */
export function shouldFallBack(error: unknown): error is RouterError {
  if (!(error instanceof RouterError)) return false
  if (error.code === 'upstream_unreachable' || error.code === 'upstream_timeout') return true
  return (
    error.code === 'upstream_error' &&
    (error.status === 408 || error.status === 429 || error.status >= 500)
  )
}

function outcomeOf(error: unknown): string {
  if (error instanceof RouterError)
    return error.code === 'upstream_error' || error.code === 'upstream_auth'
      ? String(error.status)
      : error.code
  return 'error'
}

function allFailed(last: unknown, failures: string[]): RouterError {
  const status = last instanceof RouterError ? last.status : 502
  const retryAfter = last instanceof RouterError ? last.retryAfter : undefined
  return new RouterError('upstream_error', {
    status,
    retryable: true,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    message: `Every route failed (${failures.length} tried): ${failures.map((failure, index) => `${index + 1}) ${failure}`).join('; ')}`,
    cause: last,
  })
}
