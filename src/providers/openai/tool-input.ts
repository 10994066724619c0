import { isRecord } from '../../lib/is-record.ts'

/**
 * A tool call's parsed arguments as the input object Anthropic requires: the value itself
 * when it is an object, or the object inside a JSON string (some models encode the arguments
 * twice); undefined for anything else.
 */
export function toolInputObject(value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value
  if (typeof value !== 'string') return undefined
  const inner = parseJson(value)
  return inner.ok && isRecord(inner.value) ? inner.value : undefined
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}
