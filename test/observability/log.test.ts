import { describe, expect, test } from 'bun:test'
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createLogger, type LogRecord } from '../../src/observability/log.ts'
import { createFileSink } from '../../src/observability/log-file.ts'
import { createRedactor } from '../../src/observability/redact.ts'
import { fakeUpstream, tempHome, testRouter } from '../helpers.ts'

describe('warnOnce', () => {
  test('warns the first time and once per period; repeats in between go to debug', () => {
    const records: LogRecord[] = []
    let clock = 1_000
    const root = createLogger({
      level: () => 'debug',
      sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
      redactor: createRedactor([]),
      repeatMs: 60_000,
      now: () => clock,
    })
    // Children share the memory: each request logs through its own child.
    root.child({ requestId: 'a' }).warnOnce('k', 'dropped top_k', { field: 'top_k' })
    clock += 59_999
    root.child({ requestId: 'b' }).warnOnce('k', 'dropped top_k', { field: 'top_k' })
    root.child({ requestId: 'c' }).warnOnce('other', 'dropped top_p')
    clock += 1
    root.child({ requestId: 'd' }).warnOnce('k', 'dropped top_k', { field: 'top_k' })
    expect(records.map((record) => [record.level, record.fields])).toEqual([
      ['warn', { requestId: 'a', field: 'top_k' }],
      ['debug', { requestId: 'b', field: 'top_k', repeated: true }],
      ['warn', { requestId: 'c' }],
      ['warn', { requestId: 'd', field: 'top_k' }],
    ])
  })

  test('separate loggers keep separate memories; below the level nothing is written', () => {
    const records: LogRecord[] = []
    const make = () =>
      createLogger({
        level: () => 'warn',
        sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
        redactor: createRedactor([]),
      })
    const first = make()
    first.warnOnce('k', 'once')
    first.warnOnce('k', 'once')
    make().warnOnce('k', 'once')
    expect(records.map((record) => record.level)).toEqual(['warn', 'warn'])
  })
})

describe('redaction', () => {
  test('masks known secrets anywhere and credential fields by name', () => {
    const records: LogRecord[] = []
    const redactor = createRedactor(['sk-live-abcdef123456'])
    const log = createLogger({
      level: () => 'trace',
      sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
      redactor,
    })
    log.info('upstream said: bad key sk-live-abcdef123456', {
      headers: {
        authorization: 'Bearer anything',
        'x-api-key': 'whatever',
        accept: 'text/event-stream',
      },
      api_key: 'not-known-but-named',
      nested: [{ text: 'prefix sk-live-abcdef123456 suffix' }],
      error: new Error('boom sk-live-abcdef123456'),
    })
    expect(records[0]?.msg).toBe('upstream said: bad key [redacted]')
    expect(records[0]?.fields).toEqual({
      headers: {
        authorization: '[redacted]',
        'x-api-key': '[redacted]',
        accept: 'text/event-stream',
      },
      api_key: '[redacted]',
      nested: [{ text: 'prefix [redacted] suffix' }],
      error: { name: 'Error', message: 'boom [redacted]' },
    })
    redactor.setSecrets(['new-secret-value'])
    log.warn('new-secret-value and sk-live-abcdef123456')
    expect(records[1]?.msg).toBe('[redacted] and sk-live-abcdef123456')
  })

  test('bodies are logged only at trace level', async () => {
    using upstream = fakeUpstream(() => Response.json({ ok: true }))
    const config = {
      Providers: [
        {
          name: 'up',
          api_base_url: `${upstream.url}/v1/messages`,
          api_key: 'provider-secret-key',
          models: ['m'],
        },
      ],
      Router: { default: 'up,m' },
    }
    const body = JSON.stringify({
      model: 'x',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'a very private prompt' }],
    })
    {
      await using router = testRouter(config, { level: 'debug' })
      await fetch(`${router.url}/v1/messages`, { method: 'POST', body })
      expect(JSON.stringify(router.records)).not.toContain('a very private prompt')
    }
    {
      await using router = testRouter(config, { level: 'trace' })
      await fetch(`${router.url}/v1/messages`, { method: 'POST', body })
      expect(router.records.find((record) => record.msg === 'request body')?.fields.body).toBe(body)
      expect(JSON.stringify(router.records)).not.toContain('provider-secret-key')
    }
  })
})

describe('log files', () => {
  test('JSON lines, rotated by size, with a bounded number of files, mode 0600', async () => {
    using home = tempHome()
    const directory = join(home.home, 'logs')
    const reports: string[] = []
    const report = (text: string) => reports.push(text)
    const sink = createFileSink({ directory, maxBytes: 2000, maxFiles: 3, report })
    const log = createLogger({ level: () => 'info', sinks: [sink], redactor: createRedactor() })
    for (let index = 0; index < 100; index++) {
      log.info(`line ${index}`, { requestId: `req_${index}`, padding: 'x'.repeat(40) })
      // Let the writer drain between bursts, as a server's requests would.
      if (index % 10 === 9) await sink.flush()
    }
    await sink.flush()
    expect(readdirSync(directory).sort()).toEqual(['ccr.log', 'ccr.log.1', 'ccr.log.2'])
    for (const name of readdirSync(directory)) {
      const file = join(directory, name)
      expect(statSync(file).size).toBeLessThanOrEqual(2000)
      expect(statSync(file).mode & 0o777).toBe(0o600)
      for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
        expect(JSON.parse(line)).toMatchObject({
          level: 'info',
          msg: expect.stringMatching(/^line \d+$/),
        })
      }
    }
    const newest = readFileSync(join(directory, 'ccr.log'), 'utf8').trim().split('\n')
    expect(JSON.parse(newest.at(-1) ?? '{}')).toMatchObject({ msg: 'line 99', requestId: 'req_99' })
    expect(reports).toEqual([])
  })

  test('a log that cannot be written is reported once, and written again once it can be', async () => {
    using home = tempHome()
    const directory = join(home.home, 'logs')
    const reports: string[] = []
    const sink = createFileSink({ directory, report: (text) => reports.push(text) })
    const log = createLogger({ level: () => 'info', sinks: [sink], redactor: createRedactor() })
    // The log file's name taken by a directory: every append fails (EISDIR), as on a bad disk.
    mkdirSync(join(directory, 'ccr.log'))
    for (let batch = 0; batch < 5; batch++) {
      log.info(`lost ${batch}`)
      await sink.flush()
    }
    expect(reports).toHaveLength(1)
    expect(reports[0]).toContain(`cannot write ${join(directory, 'ccr.log')}`)
    rmdirSync(join(directory, 'ccr.log'))
    log.info('back')
    await sink.flush()
    expect(readFileSync(join(directory, 'ccr.log'), 'utf8')).toContain('"msg":"back"')
    rmSync(join(directory, 'ccr.log'))
    mkdirSync(join(directory, 'ccr.log'))
    log.info('lost again')
    await sink.flush()
    expect(reports).toHaveLength(2)
  })
})
