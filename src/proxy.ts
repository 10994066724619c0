import type { Budgets } from './budgets/budgets.ts'
import { cachingFor, replayHit, storeWhenDone } from './cache/around-response.ts'
import type { ResponseCache } from './cache/response-cache.ts'
import type { ConfigSource } from './config/active.ts'
import {
  answeredRow,
  cachedRow,
  failedRow,
  type RequestRecord,
} from './observability/ledger-entry.ts'
import type { Logger } from './observability/log.ts'
import { tapResponse, type ResponseSummary } from './observability/usage-tap.ts'
import type { Prices } from './pricing/prices.ts'
import type { MessagesRequest } from './protocol/messages.ts'
import { parseMessagesRequest } from './protocol/parse-request.ts'
import type { Plugins } from './plugins/plugins.ts'
import type { KeyRing } from './providers/key-ring.ts'
import type { RestingCandidates } from './providers/resting.ts'
import { sendWithFallback } from './providers/send-with-fallback.ts'
import type { LoadedCustomRouter } from './router/custom-router.ts'
import { decide } from './router/decide.ts'
import type { ProjectConfigs } from './router/project-config.ts'
import type { Candidate } from './router/route.ts'
import type { SessionMemory } from './router/sessions.ts'
import { extractSubagentTag } from './router/subagent-tag.ts'
import type { LearnedFacts } from './store/learned.ts'
import type { LedgerRow } from './store/ledger.ts'
import type { TokenCounter } from './tokens/counter.ts'
import { estimateInputTokens } from './tokens/estimate.ts'

export interface MessagesCall {
  /** The body exactly as received. */
  body: Uint8Array
  headers: Headers
  /** Aborted when the client disconnects. */
  signal: AbortSignal
  requestId: string
  /** Carries the request id. */
  log: Logger
  /** `performance.now()` when the request arrived. */
  startedAt: number
}

export interface ProxyDeps {
  config: ConfigSource
  /** Token estimates, cached per piece of content. */
  tokens: TokenCounter
  sessions: SessionMemory
  projects: ProjectConfigs
  /** The custom router in force, when `CUSTOM_ROUTER_PATH` is set. */
  customRouter: () => LoadedCustomRouter | undefined
  budgets: Budgets
  /** Where each request's row goes (undefined when the store could not be opened). */
  record: ((row: LedgerRow) => void) | undefined
  /** The response cache (undefined without a store). */
  cache: ResponseCache | undefined
  prices: Prices
  /** Candidates that failed lately, tried after the others. */
  resting: RestingCandidates
  /** Providers' several keys, used in turn. */
  keys: KeyRing
  /** What ccr learned about models from their providers (`src/store/learned.ts`). */
  learned?: LearnedFacts
  /** The plugins folder and `transformers[]`, loaded (absent: no plugins). */
  plugins?: Pick<Plugins, 'chainFor' | 'list'>
}

/**
 * `POST /v1/messages`, the whole story: parse → decide the route (facts, budget, custom
 * router, rules) → answer from the cache, or send, falling back while nothing has reached the
 * client → tap the answer for the ledger → respond with headers that say what happened. Every
 * request leaves a ledger row, failed ones too. Each step lives in its own module.
 */
export async function handleMessages(call: MessagesCall, deps: ProxyDeps): Promise<Response> {
  const { log, startedAt } = call
  const project = call.headers.get('x-ccr-project') ?? undefined
  const record: RequestRecord = {
    time: Date.now(),
    requestId: call.requestId,
    sessionId: null,
    project: project ?? null,
    slot: 'none',
    reason: null,
    requestedModel: '',
    attempts: [],
    streamed: false,
  }
  try {
    const parsed = parseMessagesRequest(call.body)
    if (log.isEnabled('trace')) log.trace('request body', { body: decoder.decode(call.body) })
    // A subagent tag is routing advice for ccr, not prompt text for the model.
    const tagged = extractSubagentTag(parsed)
    const request = tagged?.request ?? parsed
    record.requestedModel = request.model
    record.streamed = request.stream === true

    const active = await deps.projects.configFor(deps.config.current(), project)
    const tokenEstimate = estimateInputTokens(request, deps.tokens)
    const { decision, facts, budget } = await decide({
      request,
      headers: call.headers,
      tokenEstimate,
      project,
      subagentModel: tagged?.model,
      active,
      sessions: deps.sessions,
      budgets: deps.budgets,
      customRouter: deps.customRouter(),
      learned: deps.learned,
      log,
    })
    record.sessionId = facts.sessionId ?? null
    record.slot = decision.slot
    record.reason = decision.reason
    // Debug: the `done` line repeats the decision with the outcome, one line per request at info.
    log.debug('route', {
      requested: request.model,
      slot: decision.slot,
      reason: decision.reason,
      candidates: decision.candidates.map((candidate) => candidate.reference),
      stream: record.streamed,
      inputTokens: tokenEstimate,
      sessionId: facts.sessionId,
      project,
    })
    if (budget.level === 'warn') log.warn(`budget: ${budget.describe}`)

    const caching = cachingFor({ request, decision, active, cache: deps.cache })
    const hit = caching === undefined ? undefined : deps.cache?.lookup(caching.key)
    if (hit !== undefined) {
      const latency = performance.now() - startedAt
      deps.record?.(
        cachedRow(record, hit.provider, hit.model, hit.message.usage, hit.costUsd, latency),
      )
      const replayed = replayHit(hit, { stream: record.streamed, log })
      explain(replayed.headers, decision, {
        provider: hit.provider,
        model: hit.model,
        attempts: [],
      })
      return replayed
    }

    const { response, served, events, ending, observed, rerouted } = await sendWithFallback(
      decision.candidates,
      {
        request,
        rawBody: tagged === undefined ? () => call.body : serializedOnce(request),
        clientHeaders: call.headers,
        signal: call.signal,
        inputTokens: tokenEstimate,
        timeoutMs: active.config.API_TIMEOUT_MS,
        proxy: active.proxy,
        learned: deps.learned,
        log,
      },
      {
        log,
        attempts: record.attempts,
        resting: deps.resting,
        keys: deps.keys,
        plugins: deps.plugins,
        overflow: decision.overflow,
      },
    )
    if (rerouted !== undefined) {
      record.slot = 'longContext'
      record.reason = `${rerouted}; it had gone there by ${decision.slot}`
    }
    const collector =
      caching === undefined || deps.cache === undefined
        ? undefined
        : storeWhenDone(response, { caching, cache: deps.cache, served, prices: deps.prices })
    const tapped = tapResponse(response, {
      startedAt,
      ...(events === undefined ? {} : { events }),
      ...(ending === undefined ? {} : { ending }),
      ...(observed === undefined ? {} : { observed }),
      ...(collector === undefined ? {} : { collector }),
      onDone: finisher({ record, served, sessionId: facts.sessionId, deps, log }),
    })
    if (caching !== undefined && deps.cache !== undefined) tapped.headers.set('x-ccr-cache', 'miss')
    explain(
      tapped.headers,
      { slot: record.slot, reason: record.reason ?? decision.reason },
      {
        provider: served.provider.name,
        model: served.model,
        attempts: record.attempts,
      },
    )
    if (budget.level !== 'ok') tapped.headers.set('x-ccr-budget', headerText(budget.describe))
    return tapped
  } catch (error) {
    deps.record?.(failedRow(record, error, performance.now() - startedAt))
    throw error
  }
}

/**
 * What happens when an answer has ended: its ledger row, its cost against the budgets, the
 * session's size, one log line. Made here rather than as an arrow inside `handleMessages`: a
 * closure there would keep that async function's whole scope alive while the answer streams,
 * request text and parsed request included (about 100 KB per stream).
 */
function finisher(context: {
  record: RequestRecord
  served: Candidate
  sessionId: string | undefined
  deps: ProxyDeps
  log: Logger
}): (summary: ResponseSummary) => void {
  return (summary) =>
    finish(
      answeredRow(context.record, context.served, summary, context.deps.prices),
      summary,
      context,
    )
}

function finish(
  row: LedgerRow,
  summary: ResponseSummary,
  context: { record: RequestRecord; sessionId: string | undefined; deps: ProxyDeps; log: Logger },
): void {
  const { deps } = context
  deps.record?.(row)
  if (row.costUsd !== null)
    deps.budgets.record(row.costUsd, context.record.project ?? undefined, context.record.time)
  const used = summary.usage
  if (context.sessionId !== undefined && used !== undefined) {
    deps.sessions.record(
      context.sessionId,
      used.input_tokens + used.cache_read_input_tokens + used.cache_creation_input_tokens,
    )
  }
  context.log.info('done', {
    requested: row.requestedModel,
    slot: row.slot,
    reason: row.reason,
    provider: row.provider,
    model: row.model,
    status: row.status,
    complete: row.complete,
    failure: summary.failure,
    attempts: context.record.attempts,
    usage: used,
    costUsd: row.costUsd,
    firstTokenMs: row.ttftMs === null ? undefined : Math.round(row.ttftMs),
    totalMs: Math.round(summary.totalMs),
  })
}

const decoder = new TextDecoder()

/** A request as JSON bytes, made when first asked for (only a passthrough needs them). */
function serializedOnce(request: MessagesRequest): () => Uint8Array {
  let bytes: Uint8Array | undefined
  return () => (bytes ??= Buffer.from(JSON.stringify(request)))
}

/** The headers that say what happened: slot, reason, who served it, every attempt. */
function explain(
  headers: Headers,
  decision: { slot: string; reason: string },
  served: { provider: string; model: string; attempts: string[] },
): void {
  headers.set('x-ccr-provider', served.provider)
  headers.set('x-ccr-model', served.model)
  headers.set('x-ccr-slot', decision.slot)
  headers.set('x-ccr-reason', headerText(decision.reason))
  headers.set('x-ccr-attempts', served.attempts.join('; '))
}

/** Header values are ASCII text; a reason may quote anything. */
function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 400)
}
