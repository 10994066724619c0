import type { ProviderProtocol } from '../../config/schema.ts'

/** A provider `ccr init` knows how to set up. */
export interface ProviderPreset {
  id: string
  label: string
  protocol: ProviderProtocol
  /** The endpoint; absent for the custom entries, which ask for it. */
  url?: string
  /** The environment variable the provider's own tools use for the key. */
  keyVariable?: string
  /** Local servers need no key. */
  keyless?: boolean
  /** Offered when the provider's model list cannot be fetched. */
  models: string[]
}

export const presets: ProviderPreset[] = [
  {
    id: 'deepseek',
    label: 'DeepSeek',
    protocol: 'openai',
    url: 'https://api.deepseek.com/chat/completions',
    keyVariable: 'DEEPSEEK_API_KEY',
    models: ['deepseek-chat', 'deepseek-reasoner'],
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    protocol: 'openai',
    url: 'https://openrouter.ai/api/v1/chat/completions',
    keyVariable: 'OPENROUTER_API_KEY',
    models: ['anthropic/claude-sonnet-4.5', 'google/gemini-2.5-pro', 'qwen/qwen3-coder'],
  },
  {
    id: 'openai',
    label: 'OpenAI',
    protocol: 'openai',
    url: 'https://api.openai.com/v1/chat/completions',
    keyVariable: 'OPENAI_API_KEY',
    models: ['gpt-5', 'gpt-5-mini', 'gpt-4.1'],
  },
  {
    id: 'openai-responses',
    label: 'OpenAI, Responses API (the codex models)',
    protocol: 'responses',
    url: 'https://api.openai.com/v1/responses',
    keyVariable: 'OPENAI_API_KEY',
    models: ['gpt-5-codex', 'gpt-5.1-codex', 'gpt-5.1-codex-mini'],
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    protocol: 'anthropic',
    url: 'https://api.anthropic.com/v1/messages',
    keyVariable: 'ANTHROPIC_API_KEY',
    models: ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'],
  },
  {
    id: 'gemini',
    label: 'Google Gemini (OpenAI-compatible endpoint)',
    protocol: 'openai',
    url: 'https://generativelanguage.googleapis.com/v1beta/openai/chat/completions',
    keyVariable: 'GEMINI_API_KEY',
    models: ['gemini-2.5-pro', 'gemini-2.5-flash'],
  },
  {
    id: 'groq',
    label: 'Groq',
    protocol: 'openai',
    url: 'https://api.groq.com/openai/v1/chat/completions',
    keyVariable: 'GROQ_API_KEY',
    models: ['openai/gpt-oss-120b', 'moonshotai/kimi-k2-instruct'],
  },
  {
    id: 'moonshot',
    label: 'Moonshot Kimi (Anthropic-compatible endpoint)',
    protocol: 'anthropic',
    url: 'https://api.moonshot.ai/anthropic/v1/messages',
    keyVariable: 'MOONSHOT_API_KEY',
    models: ['kimi-k2-0905-preview'],
  },
  {
    id: 'zai',
    label: 'Z.ai GLM (Anthropic-compatible endpoint)',
    protocol: 'anthropic',
    url: 'https://api.z.ai/api/anthropic/v1/messages',
    keyVariable: 'ZAI_API_KEY',
    models: ['glm-4.6'],
  },
  {
    id: 'ollama',
    label: 'Ollama (local, no key)',
    protocol: 'openai',
    url: 'http://127.0.0.1:11434/v1/chat/completions',
    keyless: true,
    models: ['qwen2.5-coder:latest'],
  },
  { id: 'custom-openai', label: 'Another OpenAI-compatible API', protocol: 'openai', models: [] },
  {
    id: 'custom-anthropic',
    label: 'Another Anthropic-compatible API',
    protocol: 'anthropic',
    models: [],
  },
]
