import type { Logger } from '../observability/log.ts'

/**
 * Something a converter could not carry to the provider as the client meant it. Converters
 * return warnings next to the body; the pipeline logs them with the request id. Nothing is
 * dropped silently.
 */
export interface ConversionWarning {
  /** `dropped`: not sent at all; `changed`: sent in an altered form. */
  type: 'dropped' | 'changed'
  /** The request field, in dotted form (`top_k`, `messages[3].content[1]`). */
  field: string
  /** Why, in a few words a user can act on. */
  details: string
}

/**
 * Logs what a conversion could not carry, with the request id. The same provider meets the same
 * set on every turn of a Claude Code session (its billing header, `cache_control`,
 * `context_management`), so a set is a `warn` once an hour and a `debug` in between.
 */
export function logWarnings(
  log: Logger,
  provider: string,
  of: 'request' | 'answer',
  warnings: readonly ConversionWarning[],
): void {
  if (warnings.length === 0) return
  let key = `${provider}\n${of}`
  for (const warning of warnings) key += `\n${warning.type} ${warning.field} ${warning.details}`
  log.warnOnce(key, `the ${of} could not be carried over as sent`, { provider, warnings })
}
