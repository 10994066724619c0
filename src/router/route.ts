import { RouterError } from '../lib/errors.ts'
import type { ActiveConfig } from '../config/active.ts'
import type { ProviderSettings } from '../config/providers.ts'

/** Where a request goes, and why. */
export interface RouteDecision {
  provider: ProviderSettings
  model: string
  /** The config slot that decided (`default`, …) or `explicit` for a `provider,model` request. */
  slot: string
  reason: string
}

/**
 * Picks the provider and model for a request: an explicit `"<provider>,<model>"` model string
 * (Claude Code's `/model`, `--model`, `ANTHROPIC_MODEL`) is honoured as given, and naming a
 * provider that does not exist is an error rather than a silent detour; anything else goes to
 * `Router.default`.
 */
export function route(
  model: string,
  config: Pick<ActiveConfig, 'config' | 'providers'>,
): RouteDecision {
  if (model.includes(',')) {
    const explicit = resolveReference(model, config)
    if (explicit === undefined) {
      const known = [...config.providers.values()].map((provider) => provider.name).join(', ')
      throw new RouterError('route_not_found', {
        status: 400,
        errorType: 'invalid_request_error',
        message: `ccr has no provider named "${model.slice(0, model.indexOf(','))}" (model "${model}")`,
        hint:
          known === ''
            ? 'add the provider to Providers in config.json'
            : `known providers: ${known}`,
      })
    }
    return { ...explicit, slot: 'explicit', reason: `the request asked for "${model}"` }
  }
  const fallback = config.config.Router.default ?? firstModel(config)
  if (fallback === undefined) {
    throw new RouterError('route_not_found', {
      status: 400,
      errorType: 'invalid_request_error',
      message:
        'ccr has no route for this request: Router.default is not set and no provider lists a model',
      hint: 'set Router.default to "<provider>,<model>" in config.json',
    })
  }
  const target = resolveReference(fallback, config)
  if (target === undefined) {
    throw new RouterError('route_not_found', {
      status: 400,
      errorType: 'invalid_request_error',
      message: `ccr cannot route to "${fallback}": no provider by that name`,
    })
  }
  return { ...target, slot: 'default', reason: 'Router.default' }
}

function resolveReference(
  reference: string,
  config: Pick<ActiveConfig, 'providers'>,
): { provider: ProviderSettings; model: string } | undefined {
  const comma = reference.indexOf(',')
  const provider = config.providers.get(reference.slice(0, comma).trim().toLowerCase())
  // "deepseek," names the provider only: its first listed model.
  const model = reference.slice(comma + 1).trim() || provider?.models[0]?.id
  if (provider === undefined || model === undefined) return undefined
  return { provider, model }
}

function firstModel(config: Pick<ActiveConfig, 'providers'>): string | undefined {
  for (const provider of config.providers.values()) {
    const model = provider.models[0]
    if (model !== undefined) return `${provider.name},${model.id}`
  }
  return undefined
}
