import type { LogLevel } from '../config/schema.ts'
import type { Redactor } from './redact.ts'

export type LogFields = Record<string, unknown>

/** One log record, after redaction, as every sink receives it. */
export interface LogRecord {
  time: number
  level: LogLevel
  msg: string
  fields: LogFields
}

/** Where records go: the rotating JSON-lines file, the terminal. */
export interface LogSink {
  write(record: LogRecord): void
  /** Resolves when everything written so far is on disk. */
  flush(): Promise<void>
}

export interface Logger {
  trace(msg: string, fields?: LogFields): void
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  fatal(msg: string, fields?: LogFields): void
  isEnabled(level: LogLevel): boolean
  /** A logger whose every record carries `fields` (a request id, say). */
  child(fields: LogFields): Logger
}

export const levelRank: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
}

export interface LoggerOptions {
  /** Read on every call, so a config reload changes it at once. */
  level: () => LogLevel
  sinks: LogSink[]
  redactor: Redactor
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const isEnabled = (level: LogLevel) => levelRank[level] >= levelRank[options.level()]
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (!isEnabled(level)) return
    const record: LogRecord = {
      time: Date.now(),
      level,
      msg: options.redactor.text(msg),
      fields: options.redactor.fields({ ...bound, ...fields }),
    }
    for (const sink of options.sinks) sink.write(record)
  }
  return {
    trace: emit('trace'),
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    fatal: emit('fatal'),
    isEnabled,
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  }
}

/** A logger that drops everything, for commands and tests that have nothing to log. */
export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  isEnabled: () => false,
  child: () => silentLogger,
}

/** The JSON-lines form of a record, shared by the file and the non-terminal console. */
export function toJsonLine(record: LogRecord): string {
  const head = { time: new Date(record.time).toISOString(), level: record.level, msg: record.msg }
  return `${JSON.stringify({ ...head, ...record.fields })}\n`
}
