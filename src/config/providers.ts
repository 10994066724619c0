import type { Config, ModelEntry, ProviderConfig, ProviderProtocol } from './schema.ts'
import { isRecord } from '../lib/is-record.ts'
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
  /** The plugins its `transformer` names, when it names any besides `Anthropic`. */
  plugins: ProviderPlugins | undefined
}

/** One `transformer.use` entry naming a plugin: `"name"` or `["name", { options }]`. */
export interface PluginUse {
  name: string
  options: Record<string, unknown> | undefined
}

/** A provider's plugin chains: its own, and each model's, applied after its own. */
export interface ProviderPlugins {
  use: PluginUse[]
  models: Map<string, PluginUse[]>
}

/**
 * The protocol is the `protocol` key when given; else CCR's `Anthropic` transformer; else the
 * URL's shape (`…/messages`, `…/anthropic…`; `…/responses`); else OpenAI Chat Completions,
 * which most providers speak.
 */
export function inferProtocol(provider: ProviderConfig): ProviderProtocol {
  if (provider.protocol !== undefined) return provider.protocol
  if (transformerNames(provider).some((name) => name.toLowerCase() === 'anthropic'))
    return 'anthropic'
  const path = new URL(provider.api_base_url).pathname.replace(/\/+$/, '')
  if (path.endsWith('/messages') || /\/anthropic(\/|$)/.test(path)) return 'anthropic'
  if (path.endsWith('/responses')) return 'responses'
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
    plugins: pluginUses(provider),
  }
}

/** `Anthropic` chooses the protocol; every other name is a plugin's. */
function pluginUses(provider: ProviderConfig): ProviderPlugins | undefined {
  const transformer = provider.transformer
  if (transformer === undefined) return undefined
  const uses = (chain: unknown): PluginUse[] => {
    const entries = (chain as { use?: unknown } | undefined)?.use
    if (!Array.isArray(entries)) return []
    return entries.flatMap((entry: unknown) => {
      const [name, options] = Array.isArray(entry) ? entry : [entry, undefined]
      if (typeof name !== 'string' || name.toLowerCase() === 'anthropic') return []
      return [{ name, options: isRecord(options) ? options : undefined }]
    })
  }
  const models = new Map<string, PluginUse[]>()
  for (const [key, chain] of Object.entries(transformer)) {
    if (key === 'use') continue
    const chainUses = uses(chain)
    if (chainUses.length > 0) models.set(key, chainUses)
  }
  const use = uses(transformer)
  return use.length === 0 && models.size === 0 ? undefined : { use, models }
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
