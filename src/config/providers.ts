import type { Config, ModelEntry, ProviderConfig, ProviderProtocol } from './schema.ts'
import { transformerNames } from './load.ts'

/** A provider as the request path uses it: protocol decided, endpoint and auth resolved. */
export interface ProviderSettings {
  name: string
  protocol: ProviderProtocol
  /** The URL requests are posted to. */
  endpoint: string
  /** The first of `apiKeys`: the key, for the usual provider that has one (or none: ''). */
  apiKey: string
  /** Every configured key, used in turn (`createKeyRing`). */
  apiKeys: readonly string[]
  /** How an Anthropic provider receives the key. */
  auth: 'x-api-key' | 'bearer'
  /** The configured models, each as an entry (a plain id becomes `{ id }`). */
  models: ModelEntry[]
  /** Its own outbound proxy ('' for none); undefined: the global one. */
  proxy: string | undefined
}

/**
 * The protocol is the `protocol` key when given; else CCR's `Anthropic` transformer; else the
 * URL's shape (`…/messages`, `…/anthropic…`); else OpenAI Chat Completions, which most
 * providers speak.
 */
export function inferProtocol(provider: ProviderConfig): ProviderProtocol {
  if (provider.protocol !== undefined) return provider.protocol
  if (transformerNames(provider).some((name) => name.toLowerCase() === 'anthropic'))
    return 'anthropic'
  const path = new URL(provider.api_base_url).pathname.replace(/\/+$/, '')
  if (path.endsWith('/messages') || /\/anthropic(\/|$)/.test(path)) return 'anthropic'
  return 'openai'
}

export function resolveProvider(provider: ProviderConfig): ProviderSettings {
  const protocol = inferProtocol(provider)
  const keys = typeof provider.api_key === 'string' ? [provider.api_key] : provider.api_key
  let endpoint = provider.api_base_url
  if (protocol === 'anthropic') {
    const url = new URL(endpoint)
    const path = url.pathname.replace(/\/+$/, '')
    if (!path.endsWith('/messages')) url.pathname = `${path}/v1/messages`
    endpoint = url.toString()
  }
  return {
    name: provider.name,
    protocol,
    endpoint,
    apiKey: keys[0] ?? '',
    apiKeys: keys,
    auth: provider.auth ?? (usesBearerOption(provider) ? 'bearer' : 'x-api-key'),
    models: provider.models.map((model) => (typeof model === 'string' ? { id: model } : model)),
    proxy: provider.proxy,
  }
}

/** What the config says about one model of a provider (`{ id }` when it says nothing). */
export function modelEntry(provider: Pick<ProviderSettings, 'models'>, model: string): ModelEntry {
  return provider.models.find((entry) => entry.id === model) ?? { id: model }
}

/** CCR's `["Anthropic", { "UseBearer": true }]`. */
function usesBearerOption(provider: ProviderConfig): boolean {
  const use = provider.transformer?.use ?? []
  return use.some(
    (entry) =>
      Array.isArray(entry) && entry[0].toLowerCase() === 'anthropic' && entry[1].UseBearer === true,
  )
}

export function resolveProviders(config: Pick<Config, 'Providers'>): Map<string, ProviderSettings> {
  return new Map(
    config.Providers.map((provider) => [provider.name.toLowerCase(), resolveProvider(provider)]),
  )
}
