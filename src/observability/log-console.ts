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

/**
 * Readable lines for a terminal (`12:04:05 INFO  request done status=200 …`), JSON otherwise.
 * Lines are gathered and written once per turn of the event loop: under load one write call
 * carries many lines, instead of a system call per line on the request path.
 */
export function createConsoleSink(options: ConsoleSinkOptions): LogSink {
  let pending: string[] = []
  let scheduled: ReturnType<typeof setImmediate> | undefined
  const flush = () => {
    scheduled = undefined
    if (pending.length === 0) return
    const text = pending.join('')
    pending = []
    options.stream.write(text)
  }
  return {
    write(record) {
      pending.push(options.pretty ? prettyLine(record) : toJsonLine(record))
      scheduled ??= setImmediate(flush)
    },
    async flush() {
      if (scheduled !== undefined) clearImmediate(scheduled)
      flush()
    },
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
