import type { Transformer } from '../src/plugins/types.ts'

const fields = ['temperature', 'top_p', 'top_k', 'repetition_penalty'] as const

/**
 * CCR's `sampling`: sets `temperature`, `top_p`, `top_k` and `repetition_penalty` to the
 * options' values, and caps `max_tokens` at `options.max_tokens`.
 * `["sampling", { "temperature": 0.6, "top_p": 0.95 }]`.
 */
export default class Sampling implements Transformer {
  name = 'sampling'
  readonly options: Record<string, unknown>

  constructor(options: Record<string, unknown> = {}) {
    this.options = options
  }

  transformRequestIn(body: Record<string, unknown>) {
    for (const field of fields) {
      const value = this.options[field]
      if (typeof value === 'number') body[field] = value
    }
    const limit = this.options.max_tokens
    if (typeof limit === 'number' && typeof body.max_tokens === 'number' && body.max_tokens > limit)
      body.max_tokens = limit
    return body
  }
}
