import { RouterError } from '../lib/errors.ts'
import type { BilledTokens, Prices } from '../pricing/prices.ts'
import type { Candidate } from '../router/route.ts'
import type { LedgerRow } from '../store/ledger.ts'
import type { Usage } from '../protocol/events.ts'
import type { ResponseSummary } from './usage-tap.ts'

/** What is known about a request before its answer: who asked, for what, and where it went. */
export type RequestRecord = Pick<
  LedgerRow,
  | 'time'
  | 'requestId'
  | 'sessionId'
  | 'project'
  | 'slot'
  | 'reason'
  | 'requestedModel'
  | 'attempts'
  | 'streamed'
>

/** The ledger row of a request that was answered (well or not) by `served`. */
export function answeredRow(
  record: RequestRecord,
  served: Candidate,
  summary: ResponseSummary,
  prices: Prices,
): LedgerRow {
  const usage = summary.usage
  const tokens: BilledTokens | undefined =
    usage === undefined
      ? undefined
      : {
          input: usage.input_tokens,
          output: usage.output_tokens,
          cacheRead: usage.cache_read_input_tokens,
          cacheWrite: usage.cache_creation_input_tokens,
        }
  const generating =
    summary.firstTokenMs === undefined ? undefined : (summary.totalMs - summary.firstTokenMs) / 1000
  return {
    ...record,
    provider: served.provider.name,
    model: served.model,
    status: summary.status,
    errorType: summary.error?.type ?? summary.failure ?? null,
    complete: summary.complete,
    inputTokens: tokens?.input ?? null,
    outputTokens: tokens?.output ?? null,
    cacheReadTokens: tokens?.cacheRead ?? null,
    cacheWriteTokens: tokens?.cacheWrite ?? null,
    reasoningTokens: usage?.thinking_tokens ?? null,
    latencyMs: summary.totalMs,
    ttftMs: summary.firstTokenMs ?? null,
    outputTps:
      tokens === undefined || generating === undefined || generating <= 0
        ? null
        : tokens.output / generating,
    costUsd:
      tokens === undefined
        ? null
        : prices.costOf(served.provider, served.model, tokens, record.time),
    anthropicCostUsd:
      tokens === undefined
        ? null
        : prices.anthropicListCost(record.requestedModel, tokens, record.time),
    cacheHit: false,
    savedUsd: null,
  }
}

/** The ledger row of an answer served from the response cache: no provider was paid. */
export function cachedRow(
  record: RequestRecord,
  provider: string,
  model: string,
  usage: Usage,
  savedUsd: number | null,
  latencyMs: number,
): LedgerRow {
  return {
    ...record,
    provider,
    model,
    status: 200,
    errorType: null,
    complete: true,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    reasoningTokens: usage.output_tokens_details?.thinking_tokens ?? null,
    latencyMs,
    ttftMs: latencyMs,
    outputTps: null,
    costUsd: 0,
    anthropicCostUsd: null,
    cacheHit: true,
    savedUsd,
  }
}

/** The ledger row of a request that failed before any provider answered. */
export function failedRow(record: RequestRecord, error: unknown, latencyMs: number): LedgerRow {
  const routerError = error instanceof RouterError ? error : undefined
  return {
    ...record,
    provider: null,
    model: null,
    status: routerError?.status ?? 500,
    errorType: routerError?.code ?? 'internal',
    complete: false,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    latencyMs,
    ttftMs: null,
    outputTps: null,
    costUsd: null,
    anthropicCostUsd: null,
    cacheHit: false,
    savedUsd: null,
  }
}
