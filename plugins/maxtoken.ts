import type { Transformer } from '../src/plugins/types.ts'

/**
 * CCR's `maxtoken`: caps `max_tokens` (and `max_completion_tokens`) at `options.max_tokens`,
 * never raising it. `["maxtoken", { "max_tokens": 8192 }]`. A model's `max_output_tokens` does
 * the same without a plugin.
 */
export default class MaxToken implements Transformer {
  name = 'maxtoken'
  readonly limit: number | undefined

  constructor(options: Record<string, unknown> = {}) {
    this.limit = typeof options.max_tokens === 'number' ? options.max_tokens : undefined
  }

  transformRequestIn(body: Record<string, unknown>) {
    const limit = this.limit
    if (limit === undefined) return body
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      const value = body[field]
      if (typeof value === 'number' && value > limit) body[field] = limit
    }
    return body
  }
}
