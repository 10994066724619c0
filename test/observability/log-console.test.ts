import { expect, test } from 'bun:test'
import { createConsoleSink } from '../../src/observability/log-console.ts'

const record = {
  time: Date.UTC(2026, 10, 28, 8, 30, 5),
  level: 'warn' as const,
  msg: 'config reloaded',
  fields: { requestId: 'req_1', generation: 2 },
}

test('a terminal gets readable lines, anything else JSON lines', () => {
  let pretty = ''
  createConsoleSink({ stream: { write: (text: string) => (pretty += text) }, pretty: true }).write(
    record,
  )
  // Colours aside: time, level, message, then key=value pairs.
  expect(Bun.stripANSI(pretty)).toMatch(
    /^\d\d:\d\d:\d\d WARN  config reloaded requestId=req_1 generation=2\n$/,
  )
  let plain = ''
  createConsoleSink({ stream: { write: (text: string) => (plain += text) }, pretty: false }).write(
    record,
  )
  expect(JSON.parse(plain)).toEqual({
    time: '2026-11-28T08:30:05.000Z',
    level: 'warn',
    msg: 'config reloaded',
    requestId: 'req_1',
    generation: 2,
  })
})
