import type { ProviderProtocol } from '../../config/schema.ts'
import { resolveProvider } from '../../config/providers.ts'

export type ModelListing =
  | { kind: 'models'; models: string[] }
  | { kind: 'rejected'; detail: string }
  | { kind: 'unavailable'; detail: string }

/**
 * Asks a provider which models it serves, which also checks the key: OpenAI-style
 * `GET …/models` with Bearer (Chat Completions and Responses alike), Anthropic-style `GET …/v1/models` with `x-api-key`.
 *
 * @see https://platform.openai.com/docs/api-reference/models/list
 * @see https://docs.anthropic.com/en/api/models-list
 */
export async function listModels(options: {
  protocol: ProviderProtocol
  url: string
  apiKey: string
  timeoutMs?: number
}): Promise<ModelListing> {
  const endpoint = resolveProvider({
    name: 'probe',
    api_base_url: options.url,
    api_key: options.apiKey,
    models: [],
    protocol: options.protocol,
  }).endpoint
  const url = endpoint
    .replace(/\/chat\/completions\/?$/, '/models')
    .replace(/\/messages\/?$/, '/models')
    .replace(/\/responses\/?$/, '/models')
  const headers: Record<string, string> =
    options.protocol === 'anthropic'
      ? { 'x-api-key': options.apiKey, 'anthropic-version': '2023-06-01' }
      : options.apiKey === ''
        ? {}
        : { authorization: `Bearer ${options.apiKey}` }
  let response: Response
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 8000) })
  } catch (error) {
    return {
      kind: 'unavailable',
      detail: `${url}: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
  if (response.status === 401 || response.status === 403) {
    return { kind: 'rejected', detail: `${url} answered HTTP ${response.status}` }
  }
  if (!response.ok)
    return { kind: 'unavailable', detail: `${url} answered HTTP ${response.status}` }
  const body = (await response.json().catch(() => undefined)) as { data?: unknown } | undefined
  const models = Array.isArray(body?.data)
    ? body.data
        .map((entry: unknown) => (entry as { id?: unknown } | null)?.id)
        .filter((id): id is string => typeof id === 'string')
    : []
  return models.length === 0
    ? { kind: 'unavailable', detail: `${url} listed no models` }
    : { kind: 'models', models: models.sort() }
}
