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
  /**
   * `warn` for what would repeat on every request (Claude Code sends the same fields every
   * turn): the first time `key` comes, and again once `repeatMs` has passed (a rotated log
   * still shows it); `debug` in between, with `repeated: true`. A root logger and its children
   * share the memory.
   */
  warnOnce(key: string, msg: string, fields?: LogFields): void
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
  /** How long `warnOnce` stays at `debug` for a key it has warned about; one hour by default. */
  repeatMs?: number
  now?: () => number
}

/** Keys `warnOnce` remembers at most; past this the oldest is forgotten (and warned again). */
const maxOnceKeys = 512

export function createLogger(options: LoggerOptions): Logger {
  return new BoundLogger(options, {}, new Map())
}

/**
 * A class, so that a child (one per request) is one object: its methods are shared on the
 * prototype rather than made again for each child as closures.
 */
class BoundLogger implements Logger {
  constructor(
    private readonly options: LoggerOptions,
    private readonly bound: LogFields,
    private readonly warned: Map<string, number>,
  ) {}

  isEnabled(level: LogLevel): boolean {
    return levelRank[level] >= levelRank[this.options.level()]
  }

  trace(msg: string, fields?: LogFields) {
    this.emit('trace', msg, fields)
  }
  debug(msg: string, fields?: LogFields) {
    this.emit('debug', msg, fields)
  }
  info(msg: string, fields?: LogFields) {
    this.emit('info', msg, fields)
  }
  warn(msg: string, fields?: LogFields) {
    this.emit('warn', msg, fields)
  }
  error(msg: string, fields?: LogFields) {
    this.emit('error', msg, fields)
  }
  fatal(msg: string, fields?: LogFields) {
    this.emit('fatal', msg, fields)
  }

  warnOnce(key: string, msg: string, fields?: LogFields) {
    const time = this.now()
    const last = this.warned.get(key)
    if (last !== undefined && time - last < (this.options.repeatMs ?? 60 * 60 * 1000)) {
      this.debug(msg, { ...fields, repeated: true })
      return
    }
    // Re-inserted, so the map's first key is always the one warned about longest ago.
    this.warned.delete(key)
    this.warned.set(key, time)
    if (this.warned.size > maxOnceKeys) this.warned.delete(this.warned.keys().next().value ?? key)
    this.warn(msg, fields)
  }

  child(fields: LogFields): Logger {
    return new BoundLogger(this.options, { ...this.bound, ...fields }, this.warned)
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  private emit(level: LogLevel, msg: string, fields: LogFields | undefined) {
    if (!this.isEnabled(level)) return
    const { redactor, sinks } = this.options
    const record: LogRecord = {
      time: this.now(),
      level,
      msg: redactor.text(msg),
      fields: redactor.fields({ ...this.bound, ...fields }),
    }
    for (const sink of sinks) sink.write(record)
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
  warnOnce() {},
  isEnabled: () => false,
  child: () => silentLogger,
}

/**
 * The JSON-lines form of a record, shared by the file and the non-terminal console. The sinks
 * are handed each record in turn, so the last line is kept for the next sink (`ccr start` in
 * the foreground writes both): a record is serialised once.
 */
export function toJsonLine(record: LogRecord): string {
  if (record === lastRecord) return lastLine
  const head = { time: new Date(record.time).toISOString(), level: record.level, msg: record.msg }
  lastLine = `${JSON.stringify({ ...head, ...record.fields })}\n`
  lastRecord = record
  return lastLine
}

let lastRecord: LogRecord | undefined
let lastLine = ''
