import type { Transformer } from '../src/plugins/types.ts'

/**
 * CCR's `maxcompletiontokens`: sends `max_tokens` as `max_completion_tokens`, which OpenAI's
 * reasoning models take instead. ccr already does this for the models it knows (o-series,
 * GPT-5); this is for the same models behind another name or host.
 */
export default class MaxCompletionTokens implements Transformer {
  name = 'maxcompletiontokens'

  transformRequestIn(body: Record<string, unknown>) {
    if (body.max_tokens === undefined) return body
    const { max_tokens: maxTokens, ...rest } = body
    return { ...rest, max_completion_tokens: maxTokens }
  }
}
