import { watch, type FSWatcher } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path'
import { transformerNames } from '../config/load.ts'
import type { ProviderSettings } from '../config/providers.ts'
import type { Config } from '../config/schema.ts'
import { messageOf } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import { contentVersion } from '../lib/import-fresh.ts'
import { createSerialReload } from '../lib/serial-reload.ts'
import { importPlugin, pluginExtensions, type PluginModule } from './load-plugin.ts'
import { pluginLogger } from './plugin-logger.ts'
import type { PluginChain, PluginStep } from './run-plugins.ts'
import type { Transformer } from './types.ts'

export interface PluginsOptions {
  /** The plugins folder (`$CCR_HOME/plugins`): every module in it is loaded. */
  directory: string
  /** Where a relative `transformers[].path` is taken from: the ccr home, as CCR did. */
  home: string
  log: Logger
  /** The plugins the binary carries (the repository's `plugins/`); a file of the same name wins. */
  builtins: readonly PluginModule[]
  /** How long files must stay quiet before they are loaded again. Default 50 ms. */
  debounceMs?: number
}

/** What `/health` says about each plugin. */
export interface PluginReport {
  name: string
  path: string
  version?: string
  error?: string
}

export interface Plugins {
  /** Takes a config's `transformers` and providers; loads again if they changed. */
  sync(config: Pick<Config, 'transformers' | 'Providers'>): void
  /** A provider's plugins for a model, or undefined when it names none (the usual case). */
  chainFor(provider: ProviderSettings, model: string): PluginChain | undefined
  list(): PluginReport[]
  /** Resolves once the loads asked for so far are done. */
  ready(): Promise<void>
  close(): void
}

/** A loaded module with the options it was made with, as JSON. */
type Loaded = PluginModule & { options: string }

interface Source {
  path: string
  options: Record<string, unknown>
}

/**
 * Loads the plugins folder and `transformers[]`, and loads a file again whenever it changes, so
 * an edit applies to the next request. A file that fails to load (a syntax error, a throw, no
 * hook) is logged with the reason; a plugin that loaded before keeps its last good version, and
 * a provider naming one that never loaded answers with that reason rather than go without it.
 */
export function createPlugins(options: PluginsOptions): Plugins {
  const { directory, log } = options
  let loaded = new Map<string, Loaded>()
  let failures = new Map<string, { path: string; error: string }>()
  let byName = new Map<string, PluginModule>()
  let chains = new WeakMap<ProviderSettings, Map<string, PluginChain | null>>()
  let configured: Source[] = []
  let providers: Config['Providers'] = []
  let syncedKey: string | undefined
  const reported = new Set<string>()
  const watchers = new Map<string, FSWatcher>()
  let closed = false

  const report = (key: string, write: () => void) => {
    if (reported.has(key)) return
    reported.add(key)
    write()
  }

  const reload = async () => {
    if (closed) return
    const sources = await listSources(directory, configured)
    const nextLoaded = new Map<string, Loaded>()
    const nextFailures = new Map<string, { path: string; error: string }>()
    for (const source of sources) {
      const previous = loaded.get(source.path)
      try {
        const version = await contentVersion(source.path)
        if (previous?.version === version && previous.options === optionsKey(source.options)) {
          nextLoaded.set(source.path, previous)
          continue
        }
        const plugin = await importPlugin(source.path, source.options)
        nextLoaded.set(source.path, { ...plugin, options: optionsKey(source.options) })
        // A problem this file had is news again if it comes back.
        for (const key of reported) if (key.startsWith(`${source.path}\n`)) reported.delete(key)
        log.info('plugin loaded', { name: plugin.name, path: source.path, version })
        if (plugin.ignored.length > 0) {
          log.warn(`plugin "${plugin.name}": ${plugin.ignored.join(', ')} are not called by ccr`, {
            path: source.path,
          })
        }
      } catch (error) {
        const reason = messageOf(error)
        if (previous !== undefined && !isMissing(error)) {
          nextLoaded.set(source.path, previous)
          report(`${source.path}\n${reason}`, () =>
            log.error('plugin not reloaded; the last good version stays in use', {
              name: previous.name,
              path: source.path,
              error: reason,
            }),
          )
          continue
        }
        const name = basename(source.path, extname(source.path))
        nextFailures.set(name.toLowerCase(), { path: source.path, error: reason })
        report(`${source.path}\n${reason}`, () =>
          log.error('plugin not loaded', { path: source.path, error: reason }),
        )
      }
    }
    for (const [path, plugin] of loaded) {
      if (!nextLoaded.has(path)) log.info('plugin removed', { name: plugin.name, path })
    }
    loaded = nextLoaded
    failures = nextFailures
    byName = new Map(options.builtins.map((plugin) => [plugin.name.toLowerCase(), plugin]))
    for (const plugin of loaded.values()) byName.set(plugin.name.toLowerCase(), plugin)
    for (const name of byName.keys()) failures.delete(name)
    chains = new WeakMap()
    warnUnapplied()
    watchFolders()
  }

  /** A name a provider uses that no plugin has: said once per provider and name. */
  const warnUnapplied = () => {
    providers.forEach((provider, index) => {
      for (const name of pluginNames(provider)) {
        const key = name.toLowerCase()
        if (byName.has(key) || failures.has(key)) continue
        report(`unapplied\n${index}\n${key}`, () =>
          log.warn(
            `Providers[${index}].transformer: "${name}" is not applied: ${nativeNote[key] ?? `no plugin of that name is loaded (add one to ${directory}, or list it in transformers)`}`,
          ),
        )
      }
    })
  }

  const watchFolders = () => {
    const folders = new Set([directory, ...configured.map((source) => dirname(source.path))])
    for (const [folder, watcher] of watchers) {
      if (folders.has(folder)) continue
      watcher.close()
      watchers.delete(folder)
    }
    for (const folder of folders) {
      if (watchers.has(folder)) continue
      try {
        const watcher = watch(folder, (_event, changed) => {
          if (changed === null || isPluginEvent(folder, changed)) schedule()
        })
        watcher.on('error', () => watcher.close())
        watchers.set(folder, watcher)
      } catch (error) {
        report(`watch\n${folder}`, () =>
          log.warn('plugins: cannot watch this folder; edits apply after a restart', {
            folder,
            error: messageOf(error),
          }),
        )
      }
    }
  }

  const isPluginEvent = (folder: string, changed: string) =>
    folder === directory
      ? pluginExtensions.has(extname(changed)) && !changed.startsWith('.')
      : configured.some((source) => source.path === join(folder, changed))

  const reloads = createSerialReload(reload, {
    debounceMs: options.debounceMs ?? 50,
    first: mkdir(directory, { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        log.warn('plugins: the plugins folder cannot be made', {
          directory,
          error: messageOf(error),
        })
      },
    ),
  })
  const schedule = reloads.schedule

  const instances = new WeakMap<PluginModule, Map<string, Transformer>>()
  const transformerFor = (
    plugin: PluginModule,
    useOptions: Record<string, unknown> | undefined,
  ) => {
    let made = instances.get(plugin)
    if (made === undefined) instances.set(plugin, (made = new Map()))
    const key = useOptions === undefined ? '' : optionsKey(useOptions)
    let transformer = made.get(key)
    if (transformer === undefined) {
      transformer = useOptions === undefined ? plugin.shared : plugin.create(useOptions)
      transformer.logger ??= pluginLogger(log.child({ plugin: plugin.name }))
      made.set(key, transformer)
    }
    return transformer
  }

  const buildChain = (provider: ProviderSettings, model: string): PluginChain | null => {
    const uses = provider.plugins
    if (uses === undefined) return null
    const steps = [...uses.use, ...(uses.models.get(model) ?? [])].flatMap((use): PluginStep[] => {
      const key = use.name.toLowerCase()
      const plugin = byName.get(key)
      if (plugin !== undefined) {
        try {
          const transformer = transformerFor(plugin, use.options)
          return [{ name: plugin.name, transformer, options: { ...use.options } }]
        } catch (error) {
          return [{ name: use.name, failure: `made with these options: ${messageOf(error)}` }]
        }
      }
      const failure = failures.get(key)
      return failure === undefined ? [] : [{ name: use.name, failure: failure.error }]
    })
    return steps.length === 0 ? null : steps
  }

  return {
    sync(config) {
      configured = (config.transformers ?? []).map((entry) => ({
        path: isAbsolute(entry.path) ? entry.path : resolve(options.home, entry.path),
        options: entry.options ?? {},
      }))
      providers = config.Providers
      const key = JSON.stringify([configured, providers.map(pluginNames)])
      if (key === syncedKey) return
      const first = syncedKey === undefined
      syncedKey = key
      schedule(first ? 0 : undefined)
    },
    chainFor(provider, model) {
      if (provider.plugins === undefined) return undefined
      let byModel = chains.get(provider)
      if (byModel === undefined) chains.set(provider, (byModel = new Map()))
      let chain = byModel.get(model)
      if (chain === undefined) byModel.set(model, (chain = buildChain(provider, model)))
      return chain ?? undefined
    },
    list() {
      const plugins: PluginReport[] = [...byName.values()].map((plugin) => ({
        name: plugin.name,
        path: plugin.path,
        version: plugin.version,
      }))
      for (const [name, failure] of failures) plugins.push({ name, ...failure })
      return plugins
    },
    ready: reloads.ready,
    close() {
      closed = true
      reloads.close()
      for (const watcher of watchers.values()) watcher.close()
      watchers.clear()
    },
  }
}

/** The plugin modules in the folder, then `transformers[]` (whose options win for the same file). */
async function listSources(directory: string, configured: Source[]): Promise<Source[]> {
  const names = await readdir(directory).catch(() => [])
  const sources = new Map<string, Source>()
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.endsWith('.d.ts') || !pluginExtensions.has(extname(name)))
      continue
    const path = join(directory, name)
    sources.set(path, { path, options: {} })
  }
  for (const source of configured) sources.set(source.path, source)
  return [...sources.values()]
}

/** The plugin names a provider entry uses, its own and its models'. */
function pluginNames(provider: Config['Providers'][number]): string[] {
  return transformerNames(provider).filter((name) => name.toLowerCase() !== 'anthropic')
}

function optionsKey(options: Record<string, unknown>): string {
  return JSON.stringify(options)
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT'
}

/** CCR built-ins whose work ccr does itself: what to do instead of the plugin. */
const nativeNote: Record<string, string> = {
  deepseek: "ccr reads DeepSeek's reasoning_content as thinking without it",
  reasoning:
    'ccr asks for thinking by the model\'s "reasoning" setting (e.g. "enable_thinking") without it',
  streamoptions: 'ccr asks for usage in every stream without it',
  cleancache: 'ccr leaves cache_control out of Chat Completions requests without it',
}
