import { describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCustomRouter, type LoadedCustomRouter } from '../../src/router/custom-router.ts'
import type { CustomRouterInput } from '../../src/router/types.ts'
import { createLogger, type LogRecord } from '../../src/observability/log.ts'
import { createRedactor } from '../../src/observability/redact.ts'
import { parseConfig } from '../../src/config/load.ts'

// The config module only, not test/helpers.ts: these tests need no server.
const config = parseConfig('{}', { file: 'test-config.json', env: {} }).config

/** Polls until `check` returns a value: the file watcher reacts when it does, within a bound. */
async function waitFor<T>(check: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = check()
    if (value !== undefined) return value
    await Bun.sleep(10)
  }
  throw new Error(`timed out waiting for ${what}`)
}

function input(tokenCount = 100): CustomRouterInput {
  return {
    body: {
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'hi' }],
    },
    tokenCount,
    sessionId: 'session-1',
    project: '/work/project',
    headers: { 'user-agent': 'claude-cli' },
    facts: {
      requestedModel: 'claude-sonnet-4-5',
      tokenEstimate: tokenCount,
      sessionId: 'session-1',
      sessionInputTokens: undefined,
      project: '/work/project',
      subagentModel: undefined,
      background: undefined,
      think: undefined,
      webSearch: false,
      images: false,
    },
  }
}

interface Fixture extends Disposable {
  router: LoadedCustomRouter
  records: LogRecord[]
  directory: string
  /** Replaces the module the way editors do: write elsewhere, then rename over it. */
  write(source: string): void
  errors(): LogRecord[]
}

/** A router over `source` in `<temp>/<name>`; `source` undefined leaves the file missing. */
function fixture(
  source: string | undefined,
  options: { name?: string; timeoutMs?: number } = {},
): Fixture {
  const directory = mkdtempSync(join(tmpdir(), 'ccr-custom-router-'))
  const path = join(directory, options.name ?? 'router.js')
  const write = (text: string) => {
    const partial = join(directory, 'partial.tmp')
    writeFileSync(partial, text)
    renameSync(partial, path)
  }
  if (source !== undefined) write(source)
  const records: LogRecord[] = []
  const log = createLogger({
    level: () => 'trace',
    sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
    redactor: createRedactor(),
  })
  const router = createCustomRouter({ path, log, timeoutMs: options.timeoutMs })
  return {
    router,
    records,
    directory,
    write,
    errors: () => records.filter((record) => record.level === 'error'),
    [Symbol.dispose]: () => {
      router.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

async function decideTimes(router: LoadedCustomRouter, times: number, tokenCount = 100) {
  const answers = []
  for (let index = 0; index < times; index++) {
    answers.push(await router.decide(input(tokenCount), config))
  }
  return answers
}

describe('loading', () => {
  test('an ESM default export decides', async () => {
    using setup = fixture(`export default (input) => 'deepseek,deepseek-chat'`)
    await setup.router.ready()
    expect(await setup.router.decide(input(), config)).toEqual({ route: 'deepseek,deepseek-chat' })
    expect(setup.router.version).toMatch(/^[0-9a-f]{16}$/)
    expect(setup.records.find((record) => record.msg === 'custom router loaded')?.fields).toEqual({
      path: expect.stringContaining('router.js'),
      version: setup.router.version,
    })
  })

  test('a CCR-style CommonJS module works unchanged', async () => {
    using setup = fixture(
      `module.exports = async function (req, config) { return req.tokenCount > 10 ? 'a,b' : null }`,
    )
    await setup.router.ready()
    expect(await setup.router.decide(input(11), config)).toEqual({ route: 'a,b' })
    expect(await setup.router.decide(input(10), config)).toBeUndefined()
    expect(setup.errors()).toEqual([])
  })

  test('a named `router` export in .cjs and a TypeScript default export load', async () => {
    using commonJs = fixture(`module.exports = { router: () => 'c,d' }`, { name: 'router.cjs' })
    using typeScript = fixture(
      `const route = (input: { tokenCount: number }): string => 'e,' + input.tokenCount\n` +
        `export default route`,
      { name: 'router.ts' },
    )
    await Promise.all([commonJs.router.ready(), typeScript.router.ready()])
    expect(await commonJs.router.decide(input(), config)).toEqual({ route: 'c,d' })
    expect(await typeScript.router.decide(input(7), config)).toEqual({ route: 'e,7' })
  })

  test('a module that exports no function is a load error', async () => {
    using setup = fixture(`export const answer = 42`)
    await setup.router.ready()
    expect(setup.router.version).toBeUndefined()
    expect(await setup.router.decide(input(), config)).toBeUndefined()
    expect(setup.errors().map((record) => record.fields.error)).toEqual([
      expect.stringContaining('exports no function'),
    ])
  })

  test('a missing file is logged, and creating it later loads it', async () => {
    using setup = fixture(undefined)
    await setup.router.ready()
    expect(setup.router.version).toBeUndefined()
    expect(await setup.router.decide(input(), config)).toBeUndefined()
    expect(setup.errors()).toHaveLength(1)
    expect(setup.errors()[0]?.fields.error).toContain('does not exist')

    setup.write(`export default () => 'late,model'`)
    await waitFor(() => setup.router.version, 'the new file to load')
    expect(await setup.router.decide(input(), config)).toEqual({ route: 'late,model' })
  })
})

describe('hot reload', () => {
  test('an edit switches behaviour without a restart, the helpers it imports included', async () => {
    const helper = (model: string) => `export const model = '${model}'\n`
    using setup = fixture(
      `import { model } from './lib/model.js'\nexport default () => 'first,' + model`,
    )
    mkdirSync(join(setup.directory, 'lib'))
    writeFileSync(join(setup.directory, 'lib', 'model.js'), helper('one'))
    setup.write(`import { model } from './lib/model.js'\nexport default () => 'first,' + model\n`)
    await waitFor(() => setup.router.version, 'the module to load')
    await setup.router.ready()
    expect(await setup.router.decide(input(), config)).toEqual({ route: 'first,one' })
    const first = setup.router.version

    writeFileSync(join(setup.directory, 'lib', 'model.js'), helper('two'))
    setup.write(`import { model } from './lib/model.js'\nexport default () => 'second,' + model`)
    await waitFor(
      () => (setup.router.version !== first ? setup.router.version : undefined),
      'the edit to load',
    )
    expect(await setup.router.decide(input(), config)).toEqual({ route: 'second,two' })
  })

  test('a syntax error keeps the old version and is logged once', async () => {
    using setup = fixture(`export default () => 'good,model'`)
    await setup.router.ready()
    const good = setup.router.version

    setup.write(`export default (`)
    await waitFor(() => (setup.errors().length > 0 ? true : undefined), 'the failed reload')
    await setup.router.ready()
    const answers = await decideTimes(setup.router, 5)

    expect(answers).toEqual(Array(5).fill({ route: 'good,model' }))
    expect(setup.router.version).toBe(good)
    expect(setup.errors()).toHaveLength(1)
    expect(setup.errors()[0]?.msg).toBe(
      'custom router not reloaded; the last good version stays in use',
    )
    expect(setup.errors()[0]?.fields.error).toMatch(/router\.js:1:\d+: /)
  })
})

describe('calls', () => {
  test('null declines without logging', async () => {
    using setup = fixture(`export default async () => null`)
    await setup.router.ready()
    expect(await setup.router.decide(input(), config)).toBeUndefined()
    expect(setup.errors()).toEqual([])
  })

  test('a function that throws gives undefined, logged once across 5 calls', async () => {
    using setup = fixture(`export default () => { throw new Error('boom') }`)
    await setup.router.ready()
    expect(await decideTimes(setup.router, 5)).toEqual(Array(5).fill(undefined))
    expect(setup.errors().map((record) => record.fields)).toEqual([
      { path: expect.stringContaining('router.js'), version: setup.router.version, error: 'boom' },
    ])
  })

  test('a rejected promise gives undefined, logged once', async () => {
    using setup = fixture(`export default async () => { throw new Error('async boom') }`)
    await setup.router.ready()
    expect(await decideTimes(setup.router, 5)).toEqual(Array(5).fill(undefined))
    expect(setup.errors().map((record) => record.fields.error)).toEqual(['async boom'])
  })

  test('a function that never answers is abandoned after the timeout', async () => {
    using setup = fixture(`export default () => new Promise(() => {})`, { timeoutMs: 50 })
    await setup.router.ready()
    expect(await decideTimes(setup.router, 2)).toEqual([undefined, undefined])
    expect(setup.errors().map((record) => record.fields.error)).toEqual(['no answer within 50 ms'])
  })

  test('an answer that is not "<provider>,<model>" is ignored, logged once per kind', async () => {
    // 42, then 'nocomma', then ',model' (a string again, so not logged again).
    using setup = fixture(
      `export default ({ tokenCount }) =>\n` +
        `  tokenCount > 10 ? 42 : tokenCount > 5 ? 'nocomma' : ',m'`,
    )
    await setup.router.ready()
    expect(await decideTimes(setup.router, 5, 100)).toEqual(Array(5).fill(undefined))
    expect(await decideTimes(setup.router, 5, 7)).toEqual(Array(5).fill(undefined))
    expect(await decideTimes(setup.router, 5, 1)).toEqual(Array(5).fill(undefined))
    expect(setup.errors().map((record) => record.fields.error)).toEqual([
      'returned 42, not "<provider>,<model>" or null',
      'returned "nocomma", not "<provider>,<model>" or null',
    ])
  })

  test('the function gets copies: mutating them changes nothing for the caller', async () => {
    using setup = fixture(
      `export default (input, config) => {\n` +
        `  input.body.model = 'changed'\n` +
        `  input.facts.webSearch = true\n` +
        `  input.headers['x-injected'] = 'yes'\n` +
        `  config.PORT = 1\n` +
        `  return 'copy,model'\n` +
        `}`,
    )
    await setup.router.ready()
    const original = input()
    const port = config.PORT
    expect(await setup.router.decide(original, config)).toEqual({ route: 'copy,model' })
    expect(original).toEqual(input())
    expect(config.PORT).toBe(port)
  })
})
