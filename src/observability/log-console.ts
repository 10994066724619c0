import { toJsonLine, type LogRecord, type LogSink } from './log.ts'

const colors = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[31m',
} as const
const reset = '\x1b[0m'
const dim = '\x1b[2m'

export interface ConsoleSinkOptions {
  stream: { write(text: string): unknown }
  /** Colours and `key=value` pairs for a terminal; JSON lines otherwise. */
  pretty: boolean
}

/** Readable lines for a terminal (`12:04:05 INFO  request done status=200 …`), JSON otherwise. */
export function createConsoleSink(options: ConsoleSinkOptions): LogSink {
  return {
    write(record) {
      options.stream.write(options.pretty ? prettyLine(record) : toJsonLine(record))
    },
    async flush() {},
  }
}

function prettyLine(record: LogRecord): string {
  const time = new Date(record.time).toTimeString().slice(0, 8)
  const level = record.level.toUpperCase().padEnd(5)
  const pairs = Object.entries(record.fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
  return `${dim}${time}${reset} ${colors[record.level]}${level}${reset} ${record.msg}${pairs === '' ? '' : ` ${dim}${pairs}${reset}`}\n`
}
