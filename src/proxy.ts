import type { ConfigSource } from './config/active.ts'
import type { Logger } from './observability/log.ts'
import { tapResponse, type ResponseSummary } from './observability/usage-tap.ts'
import { MessagesRequest } from './protocol/messages.ts'
import { parseBody } from './protocol/parse.ts'
import { sendWithFallback } from './providers/send-with-fallback.ts'
import type { LoadedCustomRouter } from './router/custom-router.ts'
import { collectFacts } from './router/facts.ts'
import type { ProjectConfigs } from './router/project-config.ts'
import { route, resolveReference } from './router/route.ts'
import type { SessionMemory } from './router/sessions.ts'
import { extractSubagentTag } from './router/subagent-tag.ts'
import type { TokenCounter } from './tokens/counter.ts'
import { estimateInputTokens } from './tokens/estimate.ts'

export interface MessagesCall {
  /** The body exactly as received. */
  body: string
  headers: Headers
  /** Aborted when the client disconnects. */
  signal: AbortSignal
  /** Carries the request id. */
  log: Logger
  /** `performance.now()` when the request arrived. */
  startedAt: number
}

export interface ProxyDeps {
  config: ConfigSource
  /** The token counter, once its tokenizer has loaded. */
  tokens: () => Promise<TokenCounter>
  sessions: SessionMemory
  projects: ProjectConfigs
  /** The custom router in force, when `CUSTOM_ROUTER_PATH` is set. */
  customRouter: () => LoadedCustomRouter | undefined
}

/**
 * `POST /v1/messages`, the whole story: parse → read the facts → route → send, falling back
 * while nothing has reached the client → tap the response → answer with headers that say what
 * happened. Each step lives in its own module.
 */
export async function handleMessages(call: MessagesCall, deps: ProxyDeps): Promise<Response> {
  const parsed = parseBody(MessagesRequest, call.body)
  if (call.log.isEnabled('trace')) call.log.trace('request body', { body: call.body })
  // A subagent tag is routing advice for ccr, not prompt text for the model.
  const tagged = extractSubagentTag(parsed)
  const request = tagged?.request ?? parsed
  const rawBody = tagged === undefined ? call.body : JSON.stringify(request)

  const project = call.headers.get('x-ccr-project') ?? undefined
  const active = await deps.projects.configFor(deps.config.current(), project)
  const inputTokens = estimateInputTokens(request, await deps.tokens())
  const facts = collectFacts({
    request,
    headers: call.headers,
    tokenEstimate: inputTokens,
    sessions: deps.sessions,
    triggers: active.config.Router.thinkTriggers,
    project,
    subagentModel: tagged?.model,
  })
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
  const decision = route(facts, active, customRoute)
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

  const { response, served, attempts } = await sendWithFallback(
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
    call.log,
  )
  const tapped = tapResponse(response, {
    startedAt: call.startedAt,
    onDone: (summary) => {
      recordSession(summary, facts.sessionId, deps.sessions)
      call.log.info('done', {
        provider: served.provider.name,
        model: served.model,
        attempts: attempts.map((attempt) => `${attempt.reference} ${attempt.outcome}`),
        status: summary.status,
        complete: summary.complete,
        failure: summary.failure,
        usage: summary.usage,
        firstTokenMs:
          summary.firstTokenMs === undefined ? undefined : Math.round(summary.firstTokenMs),
        totalMs: Math.round(summary.totalMs),
      })
    },
  })
  tapped.headers.set('x-ccr-provider', served.provider.name)
  tapped.headers.set('x-ccr-model', served.model)
  tapped.headers.set('x-ccr-slot', decision.slot)
  tapped.headers.set('x-ccr-reason', headerText(decision.reason))
  tapped.headers.set(
    'x-ccr-attempts',
    attempts.map((attempt) => `${attempt.reference} ${attempt.outcome}`).join('; '),
  )
  return tapped
}

/** The context the provider actually processed, for sessions that went long. */
function recordSession(
  summary: ResponseSummary,
  sessionId: string | undefined,
  sessions: SessionMemory,
): void {
  const usage = summary.usage
  if (sessionId === undefined || usage === undefined) return
  sessions.record(
    sessionId,
    usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
  )
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
