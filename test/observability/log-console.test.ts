import { expect, test } from 'bun:test'
import { createConsoleSink } from '../../src/observability/log-console.ts'

const record = {
  time: Date.UTC(2026, 10, 28, 8, 30, 5),
  level: 'warn' as const,
  msg: 'config reloaded',
  fields: { requestId: 'req_1', generation: 2 },
}

test('a terminal gets readable lines, anything else JSON lines', async () => {
  let pretty = ''
  const terminal = createConsoleSink({
    stream: { write: (text: string) => (pretty += text) },
    pretty: true,
  })
  terminal.write(record)
  await terminal.flush()
  // Colours aside: time, level, message, then key=value pairs.
  expect(Bun.stripANSI(pretty)).toMatch(
    /^\d\d:\d\d:\d\d WARN  config reloaded requestId=req_1 generation=2\n$/,
  )
  let plain = ''
  const pipe = createConsoleSink({
    stream: { write: (text: string) => (plain += text) },
    pretty: false,
  })
  pipe.write(record)
  await pipe.flush()
  expect(JSON.parse(plain)).toEqual({
    time: '2026-11-28T08:30:05.000Z',
    level: 'warn',
    msg: 'config reloaded',
    requestId: 'req_1',
    generation: 2,
  })
})

test('lines written in one turn leave in one write, in order', async () => {
  const writes: string[] = []
  const sink = createConsoleSink({
    stream: { write: (text: string) => writes.push(text) },
    pretty: false,
  })
  sink.write({ ...record, msg: 'one' })
  sink.write({ ...record, msg: 'two' })
  expect(writes).toEqual([])
  await new Promise((resolve) => setImmediate(resolve))
  expect(writes).toHaveLength(1)
  expect(
    writes[0]
      ?.split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line).msg),
  ).toEqual(['one', 'two'])
})
