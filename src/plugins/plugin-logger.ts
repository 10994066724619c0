import type { LogFields, Logger } from '../observability/log.ts'
import { isRecord } from '../lib/is-record.ts'
import type { PluginLogger } from './types.ts'

/**
 * ccr's logger as a plugin's `logger`: `info("message", { fields })`, or pino's
 * `info({ fields }, "message")`, which CCR's plugins write. Lines carry the plugin's name and go
 * through the same redaction as ccr's own.
 */
export function pluginLogger(log: Logger): PluginLogger {
  const level =
    (write: (message: string, fields?: LogFields) => void) =>
    (first: unknown, second?: unknown) => {
      if (typeof first === 'string') write(first, isRecord(second) ? second : undefined)
      else if (typeof second === 'string') write(second, isRecord(first) ? first : { value: first })
      else write(String(first), second === undefined ? undefined : { value: second })
    }
  return {
    debug: level((message, fields) => log.debug(message, fields)),
    info: level((message, fields) => log.info(message, fields)),
    warn: level((message, fields) => log.warn(message, fields)),
    error: level((message, fields) => log.error(message, fields)),
  }
}
