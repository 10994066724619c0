import { RouterError, clientClosed, messageOf } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import type { Candidate } from '../router/route.ts'
import { adapters } from './registry.ts'
import { isKeyFailure, type KeyRing } from './key-ring.ts'
import type { RestingCandidates } from './resting.ts'
import type { ProviderAnswer, ProviderCall } from './types.ts'
import type { Plugins } from '../plugins/plugins.ts'

export type CallBase = Omit<ProviderCall, 'provider' | 'model' | 'plugins'>

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
    /** Providers' several keys, used in turn (`createKeyRing`). */
    keys?: KeyRing
    /** The plugins providers name (`createPlugins`). */
    plugins?: Pick<Plugins, 'chainFor'> | undefined
    /** Where to go when a candidate refuses the request as too long (`RouteDecision.overflow`). */
    overflow?: (() => readonly Candidate[]) | undefined
  },
): Promise<ProviderAnswer & { served: Candidate; rerouted?: string }> {
  const { log, attempts, resting } = options
  const failures: string[] = []
  const ordered = resting?.order(candidates) ?? { order: candidates, resting: [] }
  // Said first, so the attempts read as what happened: these waited, the others went ahead.
  for (const candidate of ordered.resting) attempts.push(`${candidate.reference} resting`)
  for (const [index, candidate] of ordered.order.entries()) {
    try {
      const answer = await callWithKeys(candidate, base, options)
      resting?.answered(candidate)
      return { ...answer, served: candidate }
    } catch (error) {
      if (base.signal.aborted) throw error
      failures.push(`${candidate.reference}: ${messageOf(error)}`)
      const next = ordered.order[index + 1]
      // Only where there is somewhere else to go: a lone candidate is always tried.
      if (candidates.length > 1 && shouldFallBack(error)) resting?.failed(candidate, error)
      const refusedAsLong = tooLong(error)
      if (refusedAsLong) {
        const window = contextLimitIn(error.message)
        if (window !== undefined)
          base.learned?.learnContextWindow(candidate.provider.endpoint, candidate.model, window)
      }
      const larger = refusedAsLong
        ? options.overflow?.().filter((other) => other.reference !== candidate.reference)
        : undefined
      if (larger !== undefined && larger.length > 0) {
        // The provider counted, and the estimate was short: the long-context route takes it.
        log.warn('the request is longer than the model takes: trying Router.longContext', {
          failed: candidate.reference,
          next: larger[0]?.reference,
          error: messageOf(error),
        })
        const answer = await sendWithFallback(larger, base, { ...options, overflow: undefined })
        const rerouted = `${candidate.reference} refused it as longer than its context`
        return { ...answer, rerouted }
      }
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

/**
 * One candidate, with each of its provider's keys in turn while a failure is the key's (a 429,
 * a rejected key); any other failure, or the last key's, is the candidate's. With several keys
 * each attempt names its key by position in the config (`key 2`), never by value.
 */
async function callWithKeys(
  candidate: Candidate,
  base: CallBase,
  options: {
    log: Logger
    attempts: string[]
    keys?: KeyRing
    plugins?: Pick<Plugins, 'chainFor'> | undefined
  },
): Promise<ProviderAnswer> {
  const { provider } = candidate
  const plugins = options.plugins?.chainFor(provider, candidate.model)
  const keys = options.keys?.keysFor(provider) ?? provider.apiKeys
  for (const [index, key] of keys.entries()) {
    // Named only among several keys: the usual request makes no string for it.
    const position = keys.length > 1 ? `key ${provider.apiKeys.indexOf(key) + 1}` : ''
    const which = keys.length > 1 ? ` (${position})` : ''
    try {
      const answer = await adapters[provider.protocol]({
        ...base,
        provider: keys.length > 1 ? { ...provider, apiKey: key } : provider,
        model: candidate.model,
        proxy: provider.proxy === undefined ? base.proxy : provider.proxy || undefined,
        plugins,
      })
      options.keys?.answered(provider, key)
      options.attempts.push(`${candidate.reference} ${answer.response.status}${which}`)
      return answer
    } catch (error) {
      if (base.signal.aborted) {
        options.attempts.push(`${candidate.reference} client_closed${which}`)
        throw clientClosed(error)
      }
      options.attempts.push(`${candidate.reference} ${outcomeOf(error)}${which}`)
      if (keys.length < 2 || !isKeyFailure(error)) throw error
      options.keys?.failed(provider, key, error)
      if (index === keys.length - 1) throw error
      options.log.warn('trying the next key', {
        provider: provider.name,
        failed: position,
        error: messageOf(error),
      })
    }
  }
  // Not reached: a provider has at least one key ('' for none).
  throw new RouterError('internal', {
    status: 500,
    message: `provider "${provider.name}" has no key`,
  })
}

/**
 * A provider's refusal of a prompt longer than its context window, in the words providers use
 * (OpenAI, DeepSeek, vLLM, OpenRouter, Groq, Anthropic, Gemini).
 */
export function tooLong(error: unknown): error is RouterError {
  if (!(error instanceof RouterError) || error.code !== 'upstream_error') return false
  if (error.status !== 400 && error.status !== 413 && error.status !== 422) return false
  return /context.length|context_length_exceeded|context window|prompt is too long|too many (input )?tokens|input token count|reduce the length/i.test(
    error.message,
  )
}

/** The context window a refusal names ("maximum context length is 32768 tokens", "> 200000 maximum"). */
function contextLimitIn(message: string): number | undefined {
  const found =
    /maximum context length is (\d[\d,]*)/i.exec(message) ??
    /(\d[\d,]*) maximum/i.exec(message) ??
    /maximum number of tokens allowed \((\d[\d,]*)\)/i.exec(message) ??
    /context window (?:is|of) (\d[\d,]*)/i.exec(message)
  const tokens = Number((found?.[1] ?? '').replaceAll(',', ''))
  return Number.isInteger(tokens) && tokens > 0 ? tokens : undefined
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
