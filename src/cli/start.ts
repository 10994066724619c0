import type { ActiveConfig } from '../config/active.ts'
import { readConfigAtStart } from '../config/file.ts'
import { createConfigHolder, reportWarnings, watchConfig } from '../config/watch.ts'
import { RouterError } from '../lib/errors.ts'
import { createLogger, type LogSink } from '../observability/log.ts'
import { createConsoleSink } from '../observability/log-console.ts'
import { createFileSink } from '../observability/log-file.ts'
import { createRedactor } from '../observability/redact.ts'
import { createEstimator } from '../tokens/counter.ts'
import { createSessionMemory } from '../router/sessions.ts'
import { createProjectConfigs } from '../router/project-config.ts'
import { followCustomRouter } from '../router/follow-custom-router.ts'
import { builtinPlugins } from '../plugins/builtins.ts'
import { createPlugins } from '../plugins/plugins.ts'
import { openLedger } from './start-ledger.ts'
import { createPrices } from '../pricing/prices.ts'
import { createKeyRing } from '../providers/key-ring.ts'
import { createRestingCandidates } from '../providers/resting.ts'
import { isLoopbackHost } from '../server/auth.ts'
import { listen } from '../server/serve.ts'
import { ensureServer } from '../service/daemon.ts'
import { describePortInUse } from '../service/port-in-use.ts'
import { serverUrl } from '../service/probe.ts'
import type { CliContext, Command } from './context.ts'
import { parseFlags } from './flags.ts'

/** How long in-flight requests may run on after a stop signal. */
const shutdownGraceMs = 30_000

export const start: Command = async (context) => {
  const flags = parseFlags(context.args, {
    daemon: ['-d', '--daemon'],
    child: ['--background-child'],
  })
  const active = readConfigAtStart(context.paths.config, context.env)
  refuseUnsafeBinding(active)
  if (flags.daemon) return startInBackground(context, active)
  return runServer(context, active, { background: flags.child })
}

/** A router reachable from the network must not be open to anyone who finds it. */
export function refuseUnsafeBinding(active: Pick<ActiveConfig, 'config'>): void {
  const { HOST, APIKEY } = active.config
  if (isLoopbackHost(HOST) || APIKEY !== '') return
  throw new RouterError('config_invalid', {
    message: `refusing to listen on ${HOST} without APIKEY: anyone who can reach this machine could spend your provider keys`,
    hint: 'set APIKEY in config.json (clients then send it as x-api-key or Authorization: Bearer), or set HOST to 127.0.0.1',
  })
}

async function startInBackground(context: CliContext, active: ActiveConfig): Promise<number> {
  const url = serverUrl(active.config)
  const { started, health } = await ensureServer({
    self: context.self,
    env: context.env,
    url,
    port: active.config.PORT,
    apiKey: active.config.APIKEY,
    daemonLog: context.paths.daemonLog,
  })
  const pid = health.pid === undefined ? '' : ` (pid ${health.pid})`
  context.stdout.write(
    started ? `ccr started at ${url}${pid}\n` : `ccr is already running at ${url}${pid}\n`,
  )
  return 0
}

async function runServer(
  context: CliContext,
  active: ActiveConfig,
  options: { background: boolean },
): Promise<number> {
  const redactor = createRedactor(active.secrets)
  const sinks: LogSink[] = []
  // In the background the log file has everything; the captured output is for start-up errors.
  if (!options.background)
    sinks.push(createConsoleSink({ stream: context.stderr, pretty: context.stderr.isTTY === true }))
  if (active.config.LOG) {
    const report = (text: string) => context.stderr.write(text)
    sinks.push(createFileSink({ directory: context.paths.logs, report }))
  }
  const holder = createConfigHolder(active)
  const log = createLogger({ level: () => holder.current().config.LOG_LEVEL, sinks, redactor })
  const reported = new Set<string>()

  if (active.file === undefined) {
    log.warn(
      `no config at ${context.paths.config}: using the embedded default, a local Ollama at 127.0.0.1:11434 with no key. ` +
        "To add a provider, run `ccr init` or write that file (see the README's config reference); ccr picks it up without a restart.",
    )
  }
  reportWarnings(active.warnings, { log, reported })

  const customRouter = followCustomRouter({ home: context.paths.home, log })
  customRouter.sync(active.config)
  const plugins = createPlugins({
    directory: context.paths.plugins,
    home: context.paths.home,
    log,
    builtins: builtinPlugins(),
  })
  plugins.sync(active.config)
  // Loaded before the first request, which may name one.
  await plugins.ready()
  const ledger = openLedger({ path: context.paths.store, config: holder, log })
  let draining = false
  let running
  try {
    running = listen(
      {
        config: holder,
        tokens: createEstimator(),
        sessions: createSessionMemory(),
        projects: createProjectConfigs({ log }),
        customRouter: customRouter.current,
        budgets: ledger.budgets,
        record: ledger.writer?.record,
        cache: ledger.cache,
        prices: createPrices(),
        resting: createRestingCandidates(),
        keys: createKeyRing(),
        plugins,
        learned: ledger.learned,
        log,
        redact: redactor.text,
        version: context.version,
        startedAt: Date.now(),
        isDraining: () => draining,
      },
      { host: active.config.HOST, port: active.config.PORT },
    )
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      throw await describePortInUse(active.config.PORT, serverUrl(active.config))
    }
    throw error
  }
  log.info(`ccr ${context.version} listening on ${running.url}`, {
    pid: process.pid,
    config: active.file ?? 'embedded default',
  })

  const watcher = watchConfig({
    file: context.paths.config,
    env: context.env,
    holder,
    log,
    reported,
    onReload: (next) => {
      redactor.setSecrets(next.secrets)
      customRouter.sync(next.config)
      plugins.sync(next.config)
      ledger.writer?.flush()
      ledger.budgets.seed()
    },
  })

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  draining = true
  watcher.close()
  customRouter.close()
  plugins.close()
  log.info(`${signal}: no new requests; waiting for in-flight requests to finish`, {
    graceMs: shutdownGraceMs,
  })
  const result = await running.drain(shutdownGraceMs)
  // After the last answer: every row of this run reaches the disk.
  ledger.close()
  log.info(
    result === 'drained'
      ? 'ccr stopped'
      : 'ccr stopped; requests still running after the grace period were cut',
  )
  await Promise.all(sinks.map((sink) => sink.flush()))
  return 0
}
