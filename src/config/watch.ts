import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import { ConfigError, describeError } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import type { ActiveConfig, ConfigSource } from './active.ts'
import { rereadConfig, type Env } from './file.ts'

/** A `ConfigSource` whose config can be replaced whole, atomically, by a reload. */
export interface ConfigHolder extends ConfigSource {
  replace(next: ActiveConfig): void
}

export function createConfigHolder(initial: ActiveConfig): ConfigHolder {
  let current = initial
  return {
    current: () => current,
    replace(next) {
      current = next
    },
  }
}

export interface WatchOptions {
  file: string
  env: Env
  holder: ConfigHolder
  log: Logger
  /** Called after each successful reload (to update log redaction, say). */
  onReload?: (next: ActiveConfig) => void
  /** Warnings already reported, so each is logged once per process. */
  reported: Set<string>
  debounceMs?: number
}

/**
 * Watches the config file's folder (editors replace files rather than write them in place, and
 * the file may not exist yet). A valid edit applies to the next request; an invalid one is
 * logged with every problem and the last good config stays in force.
 */
export function watchConfig(options: WatchOptions): FSWatcher {
  const name = basename(options.file)
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = Promise.resolve()

  const reload = async () => {
    const previous = options.holder.current()
    try {
      const next = await rereadConfig(options.file, options.env, previous.generation + 1)
      options.holder.replace(next)
      options.onReload?.(next)
      options.log.info('config reloaded', { file: options.file, generation: next.generation })
      reportWarnings(next.warnings, options)
      for (const key of ['PORT', 'HOST'] as const) {
        if (next.config[key] !== previous.config[key]) {
          options.log.warn(`${key} changed in config.json; it applies after \`ccr restart\``)
        }
      }
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : undefined
      options.log.error('config.json was not reloaded; the last good config stays in force', {
        file: options.file,
        problems,
        error: problems === undefined ? describeError(error) : undefined,
      })
    }
  }

  return watch(dirname(options.file), (_event, changed) => {
    if (changed !== name) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      running = running.then(reload)
    }, options.debounceMs ?? 50)
  })
}

export function reportWarnings(
  warnings: string[],
  options: Pick<WatchOptions, 'log' | 'reported'>,
): void {
  for (const warning of warnings) {
    if (options.reported.has(warning)) continue
    options.reported.add(warning)
    options.log.warn(warning)
  }
}
