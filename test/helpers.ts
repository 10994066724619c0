import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Server } from 'bun'
import { activate, type ActiveConfig } from '../src/config/active.ts'
import { parseConfig } from '../src/config/load.ts'
import { createConfigHolder, type ConfigHolder } from '../src/config/watch.ts'
import { createLogger, type LogRecord } from '../src/observability/log.ts'
import { createRedactor } from '../src/observability/redact.ts'
import { listen, type RunningServer } from '../src/server/serve.ts'
import { createEstimator } from '../src/tokens/counter.ts'
import { createSessionMemory } from '../src/router/sessions.ts'
import { createProjectConfigs } from '../src/router/project-config.ts'
import type { LoadedCustomRouter } from '../src/router/custom-router.ts'
import { createBudgets } from '../src/budgets/budgets.ts'
import { openStore } from '../src/store/db.ts'
import { createLearnedFacts } from '../src/store/learned.ts'
import { insertRows, spendSince } from '../src/store/ledger.ts'
import { createResponseCache } from '../src/cache/response-cache.ts'
import { createPrices } from '../src/pricing/prices.ts'
import { createKeyRing } from '../src/providers/key-ring.ts'
import { createRestingCandidates } from '../src/providers/resting.ts'
import type { Plugins } from '../src/plugins/plugins.ts'

export const repoRoot = resolve(import.meta.dir, '..')
export const mainEntry = join(repoRoot, 'src', 'main.ts')

/** A temporary ccr home, removed on dispose. */
export function tempHome(config?: unknown): { home: string; configFile: string } & Disposable {
  const home = mkdtempSync(join(tmpdir(), 'ccr-test-'))
  const configFile = join(home, 'config.json')
  if (config !== undefined) {
    writeFileSync(configFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2))
  }
  return {
    home,
    configFile,
    [Symbol.dispose]: () => rmSync(home, { recursive: true, force: true }),
  }
}

/** A port nobody listens on right now (the OS picks it; the socket is closed again). */
export function freePort(): number {
  const server = Bun.serve({ port: 0, fetch: () => new Response() })
  const port = server.port
  server.stop(true)
  if (port === undefined) throw new Error('no port')
  return port
}

/** What a fake upstream saw of one request. */
export interface SeenRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

/** A scripted HTTP server on 127.0.0.1, port 0, that records every request. */
export function fakeUpstream(
  respond: (request: SeenRequest, index: number) => Response | Promise<Response>,
): { url: string; seen: SeenRequest[]; server: Server<undefined> } & Disposable {
  const seen: SeenRequest[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const entry: SeenRequest = {
        method: request.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      }
      seen.push(entry)
      return respond(entry, seen.length - 1)
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    seen,
    server,
    [Symbol.dispose]: () => server.stop(true),
  }
}

/** A provider's plain Anthropic answer: one text block, `inputTokens` in and one token out. */
export const anthropicAnswer = (text: string, inputTokens = 10) =>
  Response.json({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: 1 },
  })

/** Anthropic SSE text from a list of events, framed exactly as the API does. */
export function sse(events: { type: string }[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
}

/**
 * An SSE response that sends `first` and then holds the stream open; `cancelled` settles when
 * the reader of the body (ccr) cancels it.
 */
export function heldStream(first: string): { response: () => Response; cancelled: Promise<void> } {
  const cancelled = Promise.withResolvers<void>()
  const response = () =>
    new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(first))
        },
        cancel() {
          cancelled.resolve()
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    )
  return { response, cancelled: cancelled.promise }
}
/** The `body` of a recorded Claude Code request fixture, as its original JSON text. */
export function fixtureBody(scenario: string, file: string): string {
  const recorded = JSON.parse(
    readFileSync(join(repoRoot, 'test', 'fixtures', 'claude-code', scenario, file), 'utf8'),
  )
  return JSON.stringify(recorded.body)
}

/** Every recorded Claude Code request that has a body (the HEAD probe has none), by file. */
export function recordedRequestBodies(): { file: string; body: string }[] {
  const root = join(repoRoot, 'test', 'fixtures', 'claude-code')
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.request.json'))
    .sort()
    .map((file) => {
      const [scenario = '', name = ''] = file.split('/')
      return { file, body: fixtureBody(scenario, name) }
    })
    .filter((recorded) => recorded.body !== 'null')
}

export function fixtureText(scenario: string, file: string): string {
  return readFileSync(join(repoRoot, 'test', 'fixtures', 'claude-code', scenario, file), 'utf8')
}

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs `ccr <args>` as a process, from source, with a controlled environment. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<CliResult> {
  const child = Bun.spawn([process.execPath, mainEntry, ...args], {
    env: baseEnv(env),
    cwd: options.cwd ?? repoRoot,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { exitCode, stdout, stderr }
}

/**
 * Runs a shell command in a real terminal (`script`, 120×40), as a person at a keyboard would:
 * what it shows accumulates in `screen()`, `waitForText` waits until something shows (15 s),
 * `press` types keys, and `finished` resolves with the exit code once it ends and all it showed
 * was read.
 */
export function inTerminal(command: string, env: Record<string, string>) {
  const child = Bun.spawn(['script', '-qfec', `stty cols 120 rows 40; ${command}`, '/dev/null'], {
    env: baseEnv({ TERM: 'xterm', ...env }),
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let screen = ''
  const reader = child.stdout.getReader()
  const pump = (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      screen += new TextDecoder().decode(chunk.value)
  })()
  return {
    screen: () => screen,
    async waitForText(text: string) {
      const deadline = Date.now() + 15_000
      while (!screen.includes(text)) {
        if (Date.now() > deadline)
          throw new Error(`the terminal never showed "${text}":\n${screen}`)
        await Bun.sleep(20)
      }
    },
    press(keys: string) {
      child.stdin.write(keys)
      child.stdin.flush()
    },
    async finished(): Promise<number> {
      child.stdin.end()
      const exitCode = await child.exited
      await pump
      return exitCode
    },
  }
}

/** A clean environment: PATH and HOME only, plus what the test sets. */
export function baseEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...env }
}

/** Polls until `check` returns a value; for conditions another process brings about. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await check()
    if (value !== undefined) return value
    await Bun.sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Whether `/health` at `url` answers as ccr. */
export async function healthOf(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
    const body = (await response.json()) as Record<string, unknown>
    return body.service === 'ccr' ? body : undefined
  } catch {
    return undefined
  }
}

export function activeConfig(config: unknown, env: Record<string, string> = {}): ActiveConfig {
  return activate(
    parseConfig(JSON.stringify(config), { file: 'test-config.json', env }),
    'test-config.json',
    1,
  )
}

/** A real router on 127.0.0.1 port 0 with an in-memory config and a log that tests can read. */
export function testRouter(
  config: unknown,
  options: {
    level?: LogRecord['level']
    customRouter?: LoadedCustomRouter
    /** The plugins in force (`createPlugins`); none when absent. */
    plugins?: Plugins
    store?: string
    now?: () => number
    /** Off unless asked: a full collection or lowered threads in the test process are nobody's business. */
    housekeepingMs?: number
  } = {},
): {
  url: string
  records: LogRecord[]
  holder: ConfigHolder
  running: RunningServer
  draining: { value: boolean }
  store: ReturnType<typeof openStore>
  storePath: string
} & AsyncDisposable {
  const active = activeConfig(config)
  const holder = createConfigHolder(active)
  const records: LogRecord[] = []
  const redactor = createRedactor(active.secrets)
  const log = createLogger({
    level: () => options.level ?? 'debug',
    sinks: [{ write: (record) => records.push(record), flush: async () => {} }],
    redactor,
  })
  const draining = { value: false }
  // A real SQLite ledger, written at once (no batching), so tests can read it right away.
  const storePath = options.store ?? join(mkdtempSync(join(tmpdir(), 'ccr-store-')), 'ccr.db')
  const store = openStore(storePath)
  const budgets = createBudgets({
    config: () => holder.current().config.Budgets,
    spentSince: (since, project) => spendSince(store, since, project),
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  budgets.seed()
  const running = listen(
    {
      config: holder,
      tokens: createEstimator(),
      sessions: createSessionMemory(),
      projects: createProjectConfigs({ log, recheckMs: 0 }),
      customRouter: () => options.customRouter,
      budgets,
      record: (row) => insertRows(store, [row]),
      cache: createResponseCache({ db: store, limits: () => holder.current().config.Cache, log }),
      prices: createPrices(),
      resting: createRestingCandidates(),
      keys: createKeyRing(),
      ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
      learned: createLearnedFacts({ db: store }),
      log,
      redact: redactor.text,
      version: '0.0.0-test',
      startedAt: Date.now(),
      isDraining: () => draining.value,
    },
    { host: '127.0.0.1', port: 0, housekeepingMs: options.housekeepingMs ?? 0 },
  )
  return {
    url: running.url,
    records,
    holder,
    running,
    draining,
    store,
    storePath,
    [Symbol.asyncDispose]: async () => {
      await running.server.stop(true)
      store.close()
    },
  }
}

/**
 * Homes whose background routers a test file started: `cleanUp()` (in afterAll) stops each
 * router, then removes the home. A home must outlive its router, since `ccr stop` reads the
 * port from its config.
 */
export function routerHomes() {
  const homes: string[] = []
  return {
    create(config?: unknown) {
      const { home, configFile } = tempHome(config)
      homes.push(home)
      return { home, configFile }
    },
    async cleanUp() {
      await Promise.all(homes.map((home) => runCli(['stop'], { CCR_HOME: home })))
      for (const home of homes) rmSync(home, { recursive: true, force: true })
    },
  }
}

/** A small seeded generator (mulberry32): a failing case is the same one on every run. */
export function seeded(start: number): () => number {
  let seed = start
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The ledger's rows, oldest first, as SQLite gives them (snake_case columns). */
export function ledgerRows(store: { query: (sql: string) => { all: () => unknown[] } }) {
  return store.query('SELECT * FROM requests ORDER BY id').all() as Record<string, unknown>[]
}
