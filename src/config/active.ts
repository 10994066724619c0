import { parseConfig, type LoadedConfig } from './load.ts'
import { resolveProviders, type ProviderSettings } from './providers.ts'

/** The config a running server uses right now: swapped whole on a reload, never mutated. */
export interface ActiveConfig extends LoadedConfig {
  providers: Map<string, ProviderSettings>
  /** The file it came from, or undefined for the embedded default. */
  file: string | undefined
  /** Counts successful loads, so a client can tell that a reload happened. */
  generation: number
}

/** What a running server reads its config through. */
export interface ConfigSource {
  current(): ActiveConfig
}

/**
 * Used when there is no config file: one keyless local Ollama. Written out in full so that
 * `ccr start` explains itself and so the README can show it.
 */
export const embeddedDefault = `{
  // No config.json yet: ccr uses a local Ollama (https://ollama.com) with no key.
  "Providers": [
    {
      "name": "ollama",
      "api_base_url": "http://127.0.0.1:11434/v1/chat/completions",
      "api_key": "",
      "models": ["qwen2.5-coder:latest"]
    }
  ],
  "Router": { "default": "ollama,qwen2.5-coder:latest" }
}
`

export function activate(
  loaded: LoadedConfig,
  file: string | undefined,
  generation: number,
): ActiveConfig {
  return { ...loaded, providers: resolveProviders(loaded.config), file, generation }
}

export function loadEmbeddedDefault(env: Record<string, string | undefined>): ActiveConfig {
  return activate(parseConfig(embeddedDefault, { file: '(embedded default)', env }), undefined, 1)
}
