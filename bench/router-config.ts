import type { ProviderConfig } from '../src/config/schema.ts'
import { profileSegment, type FakeProfile } from './fake-profile.ts'
import {
  anthropicModel,
  defaultProvider,
  openAIModel,
  providerName,
  type Protocol,
} from './workloads.ts'

/** Keys the fake never checks; present so the adapters send auth headers as they would. */
export const openAIKey = 'sk-bench-openai'
export const anthropicKey = 'sk-ant-bench'

/** The fake's endpoint for a protocol and answer shape: the URL both runs post to. */
export function fakeEndpoint(fakeUrl: string, protocol: Protocol, profile: FakeProfile): string {
  const path = protocol === 'openai' ? 'v1/chat/completions' : 'v1/messages'
  return `${fakeUrl}/p/${profileSegment(profile)}/${path}`
}

/** The provider entry for one protocol and answer shape, as a user would write it. */
export function providerConfig(
  fakeUrl: string,
  protocol: Protocol,
  profile: FakeProfile,
): ProviderConfig {
  const common = { name: providerName(protocol, profile), protocol }
  return protocol === 'openai'
    ? {
        ...common,
        api_base_url: fakeEndpoint(fakeUrl, protocol, profile),
        api_key: openAIKey,
        // Claude Code asks for adaptive thinking on every turn: a model that can reason.
        models: [{ id: openAIModel, reasoning: 'reasoning_effort' }],
      }
    : {
        ...common,
        api_base_url: fakeEndpoint(fakeUrl, protocol, profile),
        api_key: anthropicKey,
        models: [anthropicModel],
      }
}

/**
 * ccr's config.json for the benchmark: one provider per answer shape, `Router.default` on the
 * fast OpenAI one. Logging is left at its defaults (`LOG: true`, level `info`, the JSON-lines
 * file under `logs/`), which is what users run.
 */
export function routerConfig(options: {
  port: number
  fakeUrl: string
  shapes: { protocol: Protocol; profile: FakeProfile }[]
}) {
  const providers = new Map<string, ProviderConfig>()
  for (const shape of options.shapes) {
    const provider = providerConfig(options.fakeUrl, shape.protocol, shape.profile)
    providers.set(provider.name, provider)
  }
  return {
    PORT: options.port,
    HOST: '127.0.0.1',
    Providers: [...providers.values()],
    Router: { default: `${defaultProvider},${openAIModel}` },
  }
}

/** The model field that routes explicitly to a workload's provider. */
export function explicitModel(protocol: Protocol, profile: FakeProfile): string {
  return `${providerName(protocol, profile)},${protocol === 'openai' ? openAIModel : anthropicModel}`
}
