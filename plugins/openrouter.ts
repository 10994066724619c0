import type { Transformer } from '../src/plugins/types.ts'

/**
 * CCR's `openrouter` with options: `["openrouter", { "provider": { "only": ["anthropic"] } }]`
 * merges them into every request, as CCR did. The rest of what CCR's transformer did (reasoning,
 * tool-call ids, usage) ccr does for every OpenAI-compatible provider, so without options this
 * changes nothing.
 */
export default class OpenRouter implements Transformer {
  name = 'openrouter'
  readonly options: Record<string, unknown>

  constructor(options: Record<string, unknown> = {}) {
    this.options = options
  }

  transformRequestIn(body: Record<string, unknown>) {
    return { ...body, ...this.options }
  }
}
