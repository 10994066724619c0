import type { Budgets } from './budgets/budgets.ts'
import { cacheKey } from './cache/cache-key.ts'
import { isCacheable, settingsFor } from './cache/cacheable.ts'
import { collectMessage } from './cache/collect-message.ts'
import { replayResponse } from './cache/replay.ts'
import type { ResponseCache } from './cache/response-cache.ts'
import type { Prices } from './pricing/prices.ts'
import type { MessagesRequest as Request } from './protocol/messages.ts'
import type { ActiveConfig, ConfigSource } from './config/active.ts'
import { RouterError } from './lib/errors.ts'
import {
  answeredRow,
  cachedRow,
  failedRow,
  type RequestRecord,
} from './observability/ledger-entry.ts'
import type { Logger } from './observability/log.ts'
import { tapResponse } from './observability/usage-tap.ts'
import { MessagesRequest } from './protocol/messages.ts'
import { parseBody } from './protocol/parse.ts'
import { sendWithFallback } from './providers/send-with-fallback.ts'
import type { LoadedCustomRouter } from './router/custom-router.ts'
import { collectFacts } from './router/facts.ts'
import type { ProjectConfigs } from './router/project-config.ts'
import { resolveReference, route, type RouteDecision } from './router/route.ts'
import type { SessionMemory } from './router/sessions.ts'
import { extractSubagentTag } from './router/subagent-tag.ts'
import type { LedgerRow } from './store/ledger.ts'
import type { TokenCounter } from './tokens/counter.ts'
import { estimateInputTokens } from './tokens/estimate.ts'

export interface MessagesCall {
  /** The body exactly as received. */
  body: string
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
}

/**
 * `POST /v1/messages`, the whole story: parse → read the facts → check the budget → route →
 * send, falling back while nothing has reached the client → tap the answer for the ledger →
 * respond with headers that say what happened. Every request leaves a ledger row, failed ones
 * too. Each step lives in its own module.
 */
export async function handleMessages(call: MessagesCall, deps: ProxyDeps): Promise<Response> {
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
    const parsed = parseBody(MessagesRequest, call.body)
    if (call.log.isEnabled('trace')) call.log.trace('request body', { body: call.body })
    // A subagent tag is routing advice for ccr, not prompt text for the model.
    const tagged = extractSubagentTag(parsed)
    const request = tagged?.request ?? parsed
    const rawBody = tagged === undefined ? call.body : JSON.stringify(request)
    record.requestedModel = request.model
    record.streamed = request.stream === true

    const active = await deps.projects.configFor(deps.config.current(), project)
    const inputTokens = estimateInputTokens(request, deps.tokens)
    const facts = collectFacts({
      request,
      headers: call.headers,
      tokenEstimate: inputTokens,
      sessions: deps.sessions,
      triggers: active.config.Router.thinkTriggers,
      project,
      subagentModel: tagged?.model,
    })
    record.sessionId = facts.sessionId ?? null

    const budget = deps.budgets.verdict(project)
    const custom = await deps.customRouter()?.decide(
      {
        body: request,
        tokenCount: inputTokens,
        sessionId: facts.sessionId,
        project,
        headers: safeHeaders(call.headers),
        facts,
      },
      active.config,
    )
    const customRoute =
      custom !== undefined && resolveReference(custom.route, active) !== undefined
        ? custom.route
        : undefined
    if (custom !== undefined && customRoute === undefined) {
      call.log.warn(
        'the custom router named a provider that does not exist; the built-in rules decide',
        { route: custom.route },
      )
    }
    const decision =
      budget.level === 'exceeded'
        ? overBudget(budget.describe, active)
        : route(facts, active, customRoute)
    record.slot = decision.slot
    record.reason = decision.reason
    call.log.info('route', {
      requested: request.model,
      slot: decision.slot,
      reason: decision.reason,
      candidates: decision.candidates.map((candidate) => candidate.reference),
      stream: request.stream === true,
      inputTokens,
      sessionId: facts.sessionId,
      project,
    })
    if (budget.level === 'warn') call.log.warn(`budget: ${budget.describe}`)

    const caching = cachingFor(request, decision, active, deps.cache)
    const hit = caching === undefined ? undefined : deps.cache?.lookup(caching.key)
    if (hit !== undefined) {
      call.log.info('cache hit', {
        provider: hit.provider,
        model: hit.model,
        savedUsd: hit.costUsd,
      })
      deps.record?.(
        cachedRow(
          record,
          hit.provider,
          hit.model,
          hit.message.usage,
          hit.costUsd,
          performance.now() - call.startedAt,
        ),
      )
      const replayed = replayResponse(hit.message, {
        stream: request.stream === true,
        newId: () => `msg_${Bun.randomUUIDv7().replaceAll('-', '')}`,
      })
      explain(replayed.headers, decision, hit.provider, hit.model, [])
      replayed.headers.set('x-ccr-cache', 'hit')
      return replayed
    }

    const sent = await sendWithFallback(
      decision.candidates,
      {
        request,
        rawBody,
        clientHeaders: call.headers,
        signal: call.signal,
        inputTokens,
        timeoutMs: active.config.API_TIMEOUT_MS,
        proxy: active.proxy,
        log: call.log,
      },
      { log: call.log, attempts: record.attempts },
    )
    const collected =
      caching === undefined
        ? sent.response
        : collectMessage(sent.response, {
            maxBytes: caching.maxBytes,
            onMessage: (message) => {
              const usage = message.usage
              const tokens = {
                input: usage.input_tokens,
                output: usage.output_tokens,
                cacheRead: usage.cache_read_input_tokens ?? 0,
                cacheWrite: usage.cache_creation_input_tokens ?? 0,
              }
              deps.cache?.store({
                key: caching.key,
                slot: decision.slot,
                provider: sent.served.provider.name,
                model: sent.served.model,
                message,
                costUsd: deps.prices.costOf(sent.served.provider, sent.served.model, tokens),
                ttlSeconds: caching.ttlSeconds,
              })
            },
          })
    const response = tapResponse(collected, {
      startedAt: call.startedAt,
      onDone: (summary) => {
        const row = answeredRow(record, sent.served, summary, deps.prices)
        deps.record?.(row)
        if (row.costUsd !== null) deps.budgets.record(row.costUsd, project, record.time)
        const used = summary.usage
        if (facts.sessionId !== undefined && used !== undefined) {
          deps.sessions.record(
            facts.sessionId,
            used.input_tokens + used.cache_read_input_tokens + used.cache_creation_input_tokens,
          )
        }
        call.log.info('done', {
          provider: row.provider,
          model: row.model,
          status: row.status,
          complete: row.complete,
          failure: summary.failure,
          attempts: record.attempts,
          usage: used,
          costUsd: row.costUsd,
          firstTokenMs: row.ttftMs === null ? undefined : Math.round(row.ttftMs),
          totalMs: Math.round(summary.totalMs),
        })
      },
    })
    explain(
      response.headers,
      decision,
      sent.served.provider.name,
      sent.served.model,
      record.attempts,
    )
    if (budget.level !== 'ok') response.headers.set('x-ccr-budget', headerText(budget.describe))
    if (caching !== undefined) response.headers.set('x-ccr-cache', 'miss')
    return response
  } catch (error) {
    deps.record?.(failedRow(record, error, performance.now() - call.startedAt))
    throw error
  }
}

/** The cache key and limits when this request may be served from and stored in the cache. */
function cachingFor(
  request: Request,
  decision: RouteDecision,
  active: ActiveConfig,
  cache: ResponseCache | undefined,
) {
  const settings = active.config.Cache
  const slot = settingsFor(settings, decision.slot)
  if (cache === undefined || !slot.enabled || !isCacheable(request, settings)) return undefined
  return {
    key: cacheKey({ reference: decision.candidates[0].reference, request }),
    ttlSeconds: slot.ttlSeconds,
    maxBytes: Math.floor(settings.maxMegabytes * 1024 * 1024),
  }
}

/** At 100% of a budget: the configured cheaper route, or a refusal that says which limit and when it resets. */
function overBudget(describe: string, active: ActiveConfig): RouteDecision {
  const onExceed = active.config.Budgets?.onExceed ?? 'refuse'
  const candidate = onExceed === 'refuse' ? undefined : resolveReference(onExceed, active)
  if (candidate === undefined) {
    throw new RouterError('budget_exceeded', {
      status: 402,
      errorType: 'billing_error',
      message: `ccr: ${describe}`,
      hint: 'raise the limit under Budgets in config.json, or set Budgets.onExceed to a cheaper "<provider>,<model>"',
    })
  }
  return {
    slot: 'budget',
    reason: `${describe}; Budgets.onExceed sends it to ${candidate.reference}`,
    candidates: [candidate],
  }
}

function explain(
  headers: Headers,
  decision: RouteDecision,
  provider: string,
  model: string,
  attempts: string[],
): void {
  headers.set('x-ccr-provider', provider)
  headers.set('x-ccr-model', model)
  headers.set('x-ccr-slot', decision.slot)
  headers.set('x-ccr-reason', headerText(decision.reason))
  headers.set('x-ccr-attempts', attempts.join('; '))
}

/** Header values are ASCII text; a reason may quote anything. */
function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 400)
}

const credentialHeaders = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization'])

function safeHeaders(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {}
  headers.forEach((value, key) => {
    if (!credentialHeaders.has(key)) result[key] = value
  })
  return result
}
