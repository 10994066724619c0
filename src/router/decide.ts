import type { BudgetVerdict, Budgets } from '../budgets/budgets.ts'
import type { ActiveConfig } from '../config/active.ts'
import { RouterError } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import type { MessagesRequest } from '../protocol/messages.ts'
import type { LoadedCustomRouter } from './custom-router.ts'
import type { LearnedFacts } from '../store/learned.ts'
import { collectFacts } from './facts.ts'
import { resolveReference, route, type RouteDecision } from './route.ts'
import type { SessionMemory } from './sessions.ts'
import type { RouteFacts } from './types.ts'

export interface DecideOptions {
  request: MessagesRequest
  headers: Headers
  tokenEstimate: number
  project: string | undefined
  subagentModel: string | undefined
  /** The config in force for this request (the project's overrides applied). */
  active: ActiveConfig
  sessions: SessionMemory
  budgets: Budgets
  customRouter: LoadedCustomRouter | undefined
  /** What providers told ccr about their models' windows (`src/store/learned.ts`). */
  learned?: Pick<LearnedFacts, 'contextWindow'> | undefined
  log: Logger
}

/**
 * Everything that decides where a request goes: its facts, the budget, the custom router's
 * answer (ignored, with a warning, when it names no configured provider), then the rules.
 */
export async function decide(
  options: DecideOptions,
): Promise<{ decision: RouteDecision; facts: RouteFacts; budget: BudgetVerdict }> {
  const { request, active, project } = options
  const facts = collectFacts({
    request,
    headers: options.headers,
    tokenEstimate: options.tokenEstimate,
    sessions: options.sessions,
    triggers: active.config.Router.thinkTriggers,
    project,
    subagentModel: options.subagentModel,
  })
  const budget = options.budgets.verdict(project)
  if (budget.level === 'exceeded')
    return { decision: overBudget(budget.describe, active), facts, budget }

  const custom = await options.customRouter?.decide(
    {
      body: request,
      tokenCount: options.tokenEstimate,
      sessionId: facts.sessionId,
      project,
      headers: safeHeaders(options.headers),
      facts,
    },
    active.config,
  )
  let customRoute = custom?.route
  if (customRoute !== undefined && resolveReference(customRoute, active) === undefined) {
    options.log.warn(
      'the custom router named a provider that does not exist; the built-in rules decide',
      { route: customRoute },
    )
    customRoute = undefined
  }
  return { decision: route(facts, active, customRoute, options.learned), facts, budget }
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

const credentialHeaders = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization'])

/** What a custom router may see of the headers: everything but credentials. */
function safeHeaders(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {}
  headers.forEach((value, key) => {
    if (!credentialHeaders.has(key)) result[key] = value
  })
  return result
}
