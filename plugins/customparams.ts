import type { Transformer } from '../src/plugins/types.ts'

/**
 * CCR's `customparams`: merges its options into every request body, objects deeply; a value the
 * body already has stays. `["customparams", { "chat_template_kwargs": { "thinking": true } }]`.
 */
export default class CustomParams implements Transformer {
  name = 'customparams'
  readonly params: Record<string, unknown>

  constructor(options: Record<string, unknown> = {}) {
    this.params = options
  }

  transformRequestIn(body: Record<string, unknown>) {
    return merge(body, this.params)
  }
}

function merge(into: Record<string, unknown>, from: Record<string, unknown>) {
  for (const [key, value] of Object.entries(from)) {
    const present = into[key]
    if (isObject(present) && isObject(value)) merge(present, value)
    else if (present === undefined) into[key] = structuredClone(value)
  }
  return into
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
