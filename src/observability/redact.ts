import type { LogFields } from './log.ts'

/**
 * Keeps secrets out of logs twice over: fields whose name says they hold a credential are
 * masked whatever their value, and every known secret (the router's APIKEY, each provider's
 * key) is masked wherever it appears in text, an upstream error body echoing a key included.
 */
export interface Redactor {
  text(value: string): string
  fields(fields: LogFields): LogFields
  /** Replaces the known secrets, after a config reload. */
  setSecrets(secrets: string[]): void
}

const sensitiveName =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|x-goog-api-key|.*(secret|password|token))$/i
const mask = '[redacted]'

export function createRedactor(initial: string[] = []): Redactor {
  let pattern: RegExp | undefined

  const setSecrets = (secrets: string[]) => {
    const unique = [...new Set(secrets.filter((secret) => secret.length >= 4))]
    // Longest first, so a key that contains another is masked whole.
    unique.sort((a, b) => b.length - a.length)
    pattern = unique.length === 0 ? undefined : new RegExp(unique.map(escapeRegExp).join('|'), 'g')
  }

  const text = (value: string) => (pattern === undefined ? value : value.replace(pattern, mask))

  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return text(value)
    if (depth > 8 || typeof value !== 'object' || value === null) return value
    if (value instanceof Error) return { name: value.name, message: text(value.message) }
    if (Array.isArray(value)) return value.map((item) => visit(item, depth + 1))
    const result: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      result[key] =
        sensitiveName.test(key) && item !== undefined && item !== '' ? mask : visit(item, depth + 1)
    }
    return result
  }

  setSecrets(initial)
  return {
    text,
    fields: (fields) => visit(fields, 0) as LogFields,
    setSecrets,
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
