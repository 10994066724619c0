import type { ActiveConfig } from '../config/active.ts'
import type { ProviderSettings } from '../config/providers.ts'
import { effectiveModel } from '../pricing/catalog.ts'
import type { RouteRef, RouterConfig } from '../config/schema.ts'
import { RouterError } from '../lib/errors.ts'
import type { LearnedFacts } from '../store/learned.ts'
import type { RouteFacts } from './types.ts'

/** Which rule decided. */
export type Slot =
  | 'custom'
  | 'explicit'
  | 'subagent'
  | 'alias'
  | 'background'
  | 'longContext'
  | 'webSearch'
  | 'think'
  | 'image'
  | 'budget'
  | 'default'

/** A provider and model to try. */
export interface Candidate {
  provider: ProviderSettings
  model: string
  /** As written: `"<provider>,<model>"`. */
  reference: string
}

/** Where a request goes, why, and where it goes next if that fails. */
export interface RouteDecision {
  slot: Slot
  reason: string
  /** The first serves; the rest are fallbacks, in order. */
  candidates: [Candidate, ...Candidate[]]
  /**
   * Where the request goes when a candidate refuses it as longer than its context (made when
   * asked): `longContext`'s candidates, when it is set and this is not already its decision.
   */
  overflow?: () => readonly Candidate[]
}

type RoutingConfig = Pick<ActiveConfig, 'providers'> & {
  config: Pick<ActiveConfig['config'], 'Router' | 'fallback'>
}

/**
 * The decision, in this order: the custom router's answer; web search (Claude Code's WebSearch
 * tool); a subagent tag; an explicit `"<provider>,<model>"` (`/model`, `--model`,
 * `ANTHROPIC_MODEL`); an alias for the Claude model name; background work; long context (this
 * request, or the session so far); a request for harder thinking; the default. A rule whose
 * slot is not configured passes. Last, an image the chosen model cannot see moves the request
 * to the `image` slot, and a web search goes only where it can run (`searchable`).
 */
export function route(
  facts: RouteFacts,
  config: RoutingConfig,
  custom?: string,
  learned?: Pick<LearnedFacts, 'contextWindow'>,
): RouteDecision {
  const router = config.config.Router
  const explain = (
    slot: Slot,
    reason: string,
    value: RouteRef | undefined,
  ): RouteDecision | undefined => {
    if (value === undefined) return undefined
    return { slot, reason, candidates: candidatesFor(slot, value, config) }
  }
  const skipped: string[] = []
  const rule = (slot: Slot, reason: string | undefined, value: RouteRef | undefined) => {
    if (reason === undefined) return undefined
    if (value === undefined) {
      skipped.push(`${reason}, but Router.${slot} is not set`)
      return undefined
    }
    return explain(slot, reason, value)
  }

  const chosen =
    (custom === undefined
      ? undefined
      : explain('custom', `the custom router chose "${custom}"`, custom)) ??
    // Claude Code's web search is a request of its own (its WebSearch tool), not a turn of the
    // conversation: it goes where searching is possible, whatever model the session chose.
    rule(
      'webSearch',
      facts.webSearch ? 'the web-search tool is offered' : undefined,
      router.webSearch,
    ) ??
    // A subagent's tag before an explicit model: a subagent that inherits the session's
    // `/model provider,model` sends that name, and its tag is the more particular choice.
    (facts.subagentModel === undefined
      ? undefined
      : explain(
          'subagent',
          `the subagent's <CCR-SUBAGENT-MODEL> tag names "${facts.subagentModel}"`,
          facts.subagentModel,
        )) ??
    explicitRoute(facts.requestedModel, config) ??
    aliasRoute(facts.requestedModel, router, config) ??
    rule(
      'background',
      facts.background === undefined ? undefined : `background work: ${facts.background}`,
      router.background,
    ) ??
    rule(
      'longContext',
      longContextReason(facts, router.longContextThreshold),
      router.longContext,
    ) ??
    rule(
      'think',
      facts.think === undefined ? undefined : `harder thinking asked for: ${facts.think}`,
      router.think,
    ) ??
    defaultRoute(config, skipped)

  const decision = withImageRule(
    withContextRule(chosen, facts, router, config, learned),
    facts,
    router,
    config,
  )
  // A custom router's answer stands: it may know a model that searches.
  const placed =
    facts.webSearch && decision.slot !== 'webSearch' && decision.slot !== 'custom'
      ? searchable(decision)
      : decision
  const longContext = router.longContext
  if (longContext === undefined || placed.slot === 'longContext' || placed.slot === 'custom')
    return placed
  return { ...placed, overflow: () => candidatesFor('longContext', longContext, config) }
}

/**
 * Claude Code's WebSearch tool asks the API to search, with Anthropic's server tool. Anthropic
 * runs it, and the Responses API runs its own in its place; a model reached through Chat
 * Completions cannot: it would answer from memory, and Claude Code would hand
 * that on as search results ("You MUST include the sources above"). Such candidates are left
 * out (a fallback too); with none left the search is refused, so Claude Code reports it as
 * failed and says how to route it.
 */
function searchable(decision: RouteDecision): RouteDecision {
  const [first, ...rest] = decision.candidates.filter(
    (candidate) => candidate.provider.protocol !== 'openai',
  )
  if (first !== undefined) return { ...decision, candidates: [first, ...rest] }
  const [wanted] = decision.candidates
  throw new RouterError('route_not_found', {
    status: 400,
    errorType: 'invalid_request_error',
    message:
      `Web search is not available: ccr would send it to "${wanted.reference}", which cannot ` +
      "run Anthropic's web_search tool and would answer from memory instead",
    hint: 'set Router.webSearch in config.json to a model that searches the web (an OpenRouter ":online" model, Perplexity\'s sonar, …), an OpenAI Responses API model, or an Anthropic provider',
  })
}

function longContextReason(facts: RouteFacts, threshold: number): string | undefined {
  if (facts.tokenEstimate > threshold)
    return `about ${facts.tokenEstimate} input tokens, above ${threshold}`
  const session = facts.sessionInputTokens
  if (session !== undefined && session > threshold)
    return `this session already used ${session} input tokens, above ${threshold}`
  return undefined
}

function explicitRoute(model: string, config: RoutingConfig): RouteDecision | undefined {
  if (!model.includes(',')) return undefined
  const candidate = resolveReference(model, config)
  if (candidate === undefined) {
    const known = [...config.providers.values()].map((provider) => provider.name).join(', ')
    throw new RouterError('route_not_found', {
      status: 400,
      errorType: 'invalid_request_error',
      message: `ccr has no provider named "${model.slice(0, model.indexOf(','))}" (model "${model}")`,
      hint:
        known === '' ? 'add the provider to Providers in config.json' : `known providers: ${known}`,
    })
  }
  return {
    slot: 'explicit',
    reason: `the request asked for "${model}"`,
    candidates: [candidate, ...fallbacksFor('explicit', config, [candidate])],
  }
}

function aliasRoute(
  model: string,
  router: RouterConfig,
  config: RoutingConfig,
): RouteDecision | undefined {
  for (const [pattern, target] of Object.entries(router.aliases ?? {})) {
    if (matchesPattern(model, pattern)) {
      return {
        slot: 'alias',
        reason: `Router.aliases maps "${model}" (as "${pattern}")`,
        candidates: candidatesFor('alias', target, config),
      }
    }
  }
  return undefined
}

/** `*` matches any run of characters; everything else matches itself, ignoring case. */
export function matchesPattern(value: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}$`, 'i').test(value)
}

function defaultRoute(config: RoutingConfig, skipped: string[]): RouteDecision {
  const note = skipped.length === 0 ? '' : ` (${skipped.join('; ')})`
  const value = config.config.Router.default
  if (value !== undefined)
    return {
      slot: 'default',
      reason: `Router.default${note}`,
      candidates: candidatesFor('default', value, config),
    }
  for (const provider of config.providers.values()) {
    const model = provider.models[0]
    if (model === undefined) continue
    const candidate = { provider, model: model.id, reference: `${provider.name},${model.id}` }
    return {
      slot: 'default',
      reason: `the first configured model, as Router.default is not set${note}`,
      candidates: [candidate],
    }
  }
  throw new RouterError('route_not_found', {
    status: 400,
    errorType: 'invalid_request_error',
    message:
      'ccr has no route for this request: Router.default is not set and no provider lists a model',
    hint: 'set Router.default to "<provider>,<model>" in config.json, or run `ccr init`',
  })
}

/** A request bigger than the chosen model's context window goes to `longContext` instead. */
function withContextRule(
  chosen: RouteDecision,
  facts: RouteFacts,
  router: RouterConfig,
  config: RoutingConfig,
  learned: Pick<LearnedFacts, 'contextWindow'> | undefined,
): RouteDecision {
  if (
    router.longContext === undefined ||
    chosen.slot === 'longContext' ||
    chosen.slot === 'explicit'
  )
    return chosen
  const [first] = chosen.candidates
  // What the provider said when it refused a longer prompt, before what the catalog says.
  const told = learned?.contextWindow(first.provider.endpoint, first.model)
  const window = told ?? effectiveModel(first.provider, first.model).context_window
  if (window === undefined || facts.tokenEstimate <= window) return chosen
  const said = told === undefined ? '' : ', as its provider said'
  return {
    slot: 'longContext',
    reason: `about ${facts.tokenEstimate} input tokens, more than ${first.reference} holds (${window}${said}); it would have gone there by ${chosen.slot}`,
    candidates: candidatesFor('longContext', router.longContext, config),
  }
}

function withImageRule(
  chosen: RouteDecision,
  facts: RouteFacts,
  router: RouterConfig,
  config: RoutingConfig,
): RouteDecision {
  if (!facts.images || router.image === undefined || chosen.slot === 'image') return chosen
  const [first] = chosen.candidates
  if (effectiveModel(first.provider, first.model).vision !== false) return chosen
  return {
    slot: 'image',
    reason: `an image in the latest turn, which ${first.reference} cannot see ("vision": false); it would have gone there by ${chosen.slot}`,
    candidates: candidatesFor('image', router.image, config),
  }
}

/** A slot's route, then its fallbacks: the rest of a list in `Router`, then `fallback.<slot>`. */
function candidatesFor(
  slot: Slot,
  value: RouteRef,
  config: RoutingConfig,
): [Candidate, ...Candidate[]] {
  const references = typeof value === 'string' ? [value] : value
  const resolved = references
    .map((reference) => resolveReference(reference, config))
    .filter((candidate) => candidate !== undefined)
  const [first, ...rest] = resolved
  if (first === undefined) {
    throw new RouterError('route_not_found', {
      status: 400,
      errorType: 'invalid_request_error',
      message: `ccr cannot route to ${references.map((reference) => `"${reference}"`).join(', ')}: no provider by that name`,
    })
  }
  const chain = [first, ...rest]
  return [first, ...rest, ...fallbacksFor(slot, config, chain)]
}

function fallbacksFor(slot: Slot, config: RoutingConfig, already: Candidate[]): Candidate[] {
  const seen = new Set(already.map((candidate) => candidate.reference.toLowerCase()))
  const result: Candidate[] = []
  for (const reference of config.config.fallback?.[slot] ?? []) {
    const candidate = resolveReference(reference, config)
    if (candidate === undefined || seen.has(candidate.reference.toLowerCase())) continue
    seen.add(candidate.reference.toLowerCase())
    result.push(candidate)
  }
  return result
}

/** `"<provider>,<model>"` → a candidate; `"<provider>,"` means the provider's first model. */
export function resolveReference(
  reference: string,
  config: Pick<ActiveConfig, 'providers'>,
): Candidate | undefined {
  const comma = reference.indexOf(',')
  if (comma < 0) return undefined
  const provider = config.providers.get(reference.slice(0, comma).trim().toLowerCase())
  const model = reference.slice(comma + 1).trim() || provider?.models[0]?.id
  if (provider === undefined || model === undefined) return undefined
  return { provider, model, reference: `${provider.name},${model}` }
}
